/**
 * Subscriptions behind StreamIsActive. Subscribers are grouped by pool, so a thousand streams on
 * one pool cost one engine call per evaluation. A pool is re-evaluated when the operator reports a
 * change (coalesced to once per event-loop turn, since one pool update arrives as a burst of pod
 * events) and on a timer, because windows and reservation rates move with time alone.
 */
import { poolKey, type PoolKey } from '../api/pool-key.js';
import { activityPush, activityStateOf, type ActivityState } from './activity.js';
import type { PoolRef } from './pool-ref.js';
import type { ScalerAnswer, ScalerService } from './service.js';

export const DEFAULT_ACTIVITY_INTERVAL_MS = 5_000;
/** How long a push waits for the controller's status write of the same change before it goes anyway (0: no wait). */
export const DEFAULT_PUBLISH_GRACE_MS = 2_000;

export interface ActivitySubscriber {
  /** A message for the stream; the first one is the current state. */
  push(active: boolean): void;
  /** The pool cannot be answered any more (deleted, say); the stream should end with this error. */
  fail(error: unknown): void;
  /** The watch is closing (server shutdown); the stream should end cleanly. */
  end(): void;
}

interface WatchedPool {
  ref: PoolRef;
  last: ActivityState | undefined;
  subscribers: Set<ActivitySubscriber>;
}

/** Where pool change events come from (the informer cache's onChange fits). */
export interface PoolChangeSource {
  onChange(listener: (key: PoolKey) => void): void;
}

export class PoolActivityWatch {
  private readonly pools = new Map<PoolKey, WatchedPool>();
  private readonly pending = new Set<PoolKey>();
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /** Pools whose `true` push waits for the controller's status write (see ScalerAnswer.published). */
  private readonly held = new Map<PoolKey, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly service: ScalerService,
    private readonly intervalMs: number = DEFAULT_ACTIVITY_INTERVAL_MS,
    private readonly publishGraceMs: number = DEFAULT_PUBLISH_GRACE_MS,
  ) {}

  /**
   * Sends the current state to the subscriber at once and keeps it informed until the returned
   * function is called. Throws (and keeps nothing) when the pool cannot be answered now.
   */
  subscribe(ref: PoolRef, subscriber: ActivitySubscriber): () => void {
    if (this.closed) throw new Error('the activity watch is closed');
    const current = activityStateOf(this.service.answer(ref));
    const key = poolKey(ref.namespace, ref.name);
    let pool = this.pools.get(key);
    if (pool === undefined) this.pools.set(key, (pool = { ref, last: undefined, subscribers: new Set() }));
    // Existing subscribers hear about a change this evaluation found before the newcomer joins.
    this.deliver(pool, current);
    pool.subscribers.add(subscriber);
    subscriber.push(current.active);
    this.startTimer();
    return () => this.unsubscribe(key, subscriber);
  }

  /** Re-evaluates the pool's subscribers soon; cheap to call for every cache event. */
  notifyPoolChanged(key: PoolKey): void {
    if (!this.pools.has(key)) return;
    this.pending.add(key);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const keys = [...this.pending];
      this.pending.clear();
      for (const pendingKey of keys) this.evaluate(pendingKey);
    });
  }

  /** Wires change events (e.g. `cache.onChange`) to notifyPoolChanged. */
  followChanges(source: PoolChangeSource): void {
    source.onChange((key) => this.notifyPoolChanged(key));
  }

  evaluateAll(): void {
    for (const key of [...this.pools.keys()]) this.evaluate(key);
  }

  subscriberCount(): number {
    let count = 0;
    for (const pool of this.pools.values()) count += pool.subscribers.size;
    return count;
  }

  /** Ends every subscription cleanly; later subscribes are refused. */
  close(): void {
    this.closed = true;
    this.stopTimer();
    const subscribers = [...this.pools.values()].flatMap((pool) => [...pool.subscribers]);
    this.pools.clear();
    this.pending.clear();
    for (const timer of this.held.values()) clearTimeout(timer);
    this.held.clear();
    for (const subscriber of subscribers) subscriber.end();
  }

  private evaluate(key: PoolKey, graceOver = false): void {
    const pool = this.pools.get(key);
    if (pool === undefined) return;
    let answer: ScalerAnswer;
    try {
      answer = this.service.answer(pool.ref);
    } catch (error) {
      this.pools.delete(key);
      this.release(key);
      this.stopTimerWhenIdle();
      for (const subscriber of pool.subscribers) subscriber.fail(error);
      return;
    }
    const current = activityStateOf(answer);
    // A change the controller has not written to status yet: KEDA, told now, would update /scale
    // while that status write lands and lose the race. The status write is itself a pool change,
    // so the push goes out right after it (or when the grace ends, if no controller writes).
    if (!graceOver && this.publishGraceMs > 0 && !answer.published && activityPush(pool.last, current) === true) {
      this.hold(key);
      return;
    }
    this.release(key);
    this.deliver(pool, current);
  }

  private hold(key: PoolKey): void {
    if (this.held.has(key)) return;
    const timer = setTimeout(() => {
      this.held.delete(key);
      this.evaluate(key, true);
    }, this.publishGraceMs);
    timer.unref();
    this.held.set(key, timer);
  }

  private release(key: PoolKey): void {
    clearTimeout(this.held.get(key));
    this.held.delete(key);
  }

  private deliver(pool: WatchedPool, current: ActivityState): void {
    const message = activityPush(pool.last, current);
    pool.last = current;
    if (message === undefined) return;
    for (const subscriber of pool.subscribers) subscriber.push(message);
  }

  private unsubscribe(key: PoolKey, subscriber: ActivitySubscriber): void {
    const pool = this.pools.get(key);
    if (pool === undefined || !pool.subscribers.delete(subscriber)) return;
    if (pool.subscribers.size === 0) {
      this.pools.delete(key);
      this.release(key);
    }
    this.stopTimerWhenIdle();
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.evaluateAll(), this.intervalMs);
    this.timer.unref();
  }

  private stopTimerWhenIdle(): void {
    if (this.pools.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
