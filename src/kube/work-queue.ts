/**
 * A work queue of keys with client-go semantics: a key queued twice is processed once; a key
 * being processed is never handed to a second worker (it is marked dirty and queued again when
 * done); failures back off per key (5 ms doubling to 1000 s) under an overall token bucket
 * (10 per second, burst 100) — controller-runtime's defaults.
 */
import { systemClock, type Clock } from '../clock.js';
import { workQueueDepth } from '../metrics.js';
import { exponentialBackoffMs } from './backoff.js';

export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  ratePerSecond?: number;
  burst?: number;
  clock?: Clock;
  /** Where the queue reports its depth; default the podpool_workqueue_depth gauge (the PodPool controller's queue). */
  reportDepth?: (depth: number) => void;
}

/** Keys are strings of one kind (the controller's are PoolKeys). */
export class WorkQueue<Key extends string = string> {
  private readonly queue: Key[] = [];
  private readonly queued = new Set<Key>();
  private readonly processing = new Set<Key>();
  private readonly dirty = new Set<Key>();
  private readonly failures = new Map<Key, number>();
  private readonly timers = new Map<Key, { timer: NodeJS.Timeout; dueMs: number }>();
  private readonly waiters: Array<(key: Key | undefined) => void> = [];
  private shuttingDown = false;
  private tokens: number;
  private lastRefillMs: number;
  private readonly options: Required<WorkQueueOptions>;

  constructor(options: WorkQueueOptions = {}) {
    this.options = {
      baseDelayMs: 5,
      maxDelayMs: 1_000_000,
      ratePerSecond: 10,
      burst: 100,
      clock: systemClock,
      reportDepth: (depth) => workQueueDepth.set(depth),
      ...options,
    };
    this.tokens = this.options.burst;
    this.lastRefillMs = this.options.clock.now();
  }

  add(key: Key): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
    this.options.reportDepth(this.queue.length);
  }

  /** Adds the key after `ms`; an earlier pending delayed add wins. */
  addAfter(key: Key, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    // As client-go's delaying queue: a key waits for the earliest of its requested times.
    const dueMs = this.options.clock.now() + ms;
    const existing = this.timers.get(key);
    if (existing !== undefined) {
      if (existing.dueMs <= dueMs) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { timer, dueMs });
  }

  /** Re-queues a failed key after its per-key backoff or the overall rate limit, whichever is longer. */
  addRateLimited(key: Key): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const perItem = exponentialBackoffMs(failures, this.options.baseDelayMs, this.options.maxDelayMs);
    this.addAfter(key, Math.max(perItem, this.takeToken()));
  }

  /** Clears a key's failure count after it succeeded. */
  forget(key: Key): void {
    this.failures.delete(key);
  }

  failuresOf(key: Key): number {
    return this.failures.get(key) ?? 0;
  }

  /** Waits for the next key; undefined once the queue shuts down and is drained. */
  get(): Promise<Key | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      this.options.reportDepth(this.queue.length);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: Key): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
    if (this.shuttingDown && this.processing.size === 0) this.releaseWaiters();
  }

  length(): number {
    return this.queue.length;
  }

  /** Stops accepting keys; workers finish what is queued and then get undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (this.queue.length === 0) this.releaseWaiters();
  }

  /** Drops every queued key (and re-runs owed to keys in progress); reconciles in progress finish. */
  dropQueued(): void {
    this.queue.length = 0;
    this.queued.clear();
    this.dirty.clear();
    this.options.reportDepth(0);
    if (this.shuttingDown && this.processing.size === 0) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /** Milliseconds until a token of the overall bucket is free (0 when one is free now). */
  private takeToken(): number {
    const now = this.options.clock.now();
    this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.lastRefillMs) / 1000) * this.options.ratePerSecond);
    this.lastRefillMs = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.options.ratePerSecond) * 1000);
  }
}
