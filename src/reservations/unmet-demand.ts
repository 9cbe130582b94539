/**
 * Unmet demand: reservation requests that found no ready pod. Every replica serves reservations,
 * but only the leader reconciles, so each replica adds what it turned away to the pool's
 * status.unmetReservations counter; the controller counts the increase into the reservation
 * history, where it raises velocity like any reservation. A caller retrying after a 503 is the
 * same demand, so one user counts once per dedupe window. Writes are coalesced per pool: one in
 * flight at a time, the rest added to the next.
 */
import { exponentialBackoffMs } from '../kube/backoff.js';
import { logger as defaultLogger, type Logger } from '../log.js';
import { poolKey, type PoolKey } from '../api/pool-key.js';
import { systemClock, type Clock } from '../clock.js';

export const UNMET_DEDUPE_MS = 300_000;
const MAX_REMEMBERED_CALLERS = 100_000;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

/** Adds `count` to a pool's status.unmetReservations; 'gone' when the pool no longer exists. */
export interface UnmetDemandWriter {
  add(namespace: string, pool: string, count: number): Promise<'added' | 'gone'>;
}

interface PoolPending {
  namespace: string;
  pool: string;
  count: number;
  writing: boolean;
  failures: number;
  timer?: NodeJS.Timeout | undefined;
}

export interface UnmetDemandOptions {
  dedupeMs?: number;
  clock?: Clock;
  log?: Logger;
}

export class UnmetDemandRecorder {
  private readonly pending = new Map<PoolKey, PoolPending>();
  /** pool key + user -> when the user may count again. */
  private readonly counted = new Map<string, number>();
  private readonly dedupeMs: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly writer: UnmetDemandWriter,
    options: UnmetDemandOptions = {},
  ) {
    this.dedupeMs = options.dedupeMs ?? UNMET_DEDUPE_MS;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? defaultLogger.child({ role: 'reservations' });
  }

  /** Notes that `user` found no ready pod in the pool; true when it counted (not a repeat). */
  record(namespace: string, pool: string, user: string): boolean {
    if (this.closed) return false;
    const key = poolKey(namespace, pool);
    const callerKey = `${key}\u0000${user}`;
    const nowMs = this.clock.now();
    const until = this.counted.get(callerKey);
    if (until !== undefined && until > nowMs) return false;
    this.forgetExpired(nowMs);
    this.counted.set(callerKey, nowMs + this.dedupeMs);
    let entry = this.pending.get(key);
    if (entry === undefined) this.pending.set(key, (entry = { namespace, pool, count: 0, writing: false, failures: 0 }));
    entry.count += 1;
    if (!entry.writing && entry.timer === undefined) void this.flush(key, entry);
    return true;
  }

  /** Counts not written yet, for tests and shutdown logging. */
  pendingCount(): number {
    let total = 0;
    for (const entry of this.pending.values()) total += entry.count;
    return total;
  }

  /** Resolves when nothing is pending or in flight. */
  settled(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Stops retries; counts still pending are dropped (logged): they only ever raise velocity. */
  close(): void {
    this.closed = true;
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    const dropped = this.pendingCount();
    if (dropped > 0) this.log.warn({ dropped }, 'unmet reservation counts not written at shutdown');
    this.pending.clear();
    this.notifyIdle();
  }

  private async flush(key: PoolKey, entry: PoolPending): Promise<void> {
    entry.timer = undefined;
    if (this.closed || entry.count === 0) return;
    const count = entry.count;
    entry.count = 0;
    entry.writing = true;
    try {
      const result = await this.writer.add(entry.namespace, entry.pool, count);
      entry.failures = 0;
      if (result === 'gone') entry.count = 0;
    } catch (error) {
      entry.count += count;
      entry.failures += 1;
      this.log.warn({ err: error, pool: key, count, failures: entry.failures }, 'could not record unmet reservations; will retry');
    } finally {
      entry.writing = false;
    }
    if (this.closed) return;
    if (entry.count === 0) {
      this.pending.delete(key);
      if (this.pending.size === 0) this.notifyIdle();
      return;
    }
    const waitMs = exponentialBackoffMs(entry.failures, RETRY_BASE_MS, RETRY_MAX_MS);
    if (waitMs === 0) void this.flush(key, entry);
    else entry.timer = setTimeout(() => void this.flush(key, entry), waitMs).unref();
  }

  private forgetExpired(nowMs: number): void {
    if (this.counted.size < MAX_REMEMBERED_CALLERS) return;
    for (const [callerKey, until] of this.counted) if (until <= nowMs) this.counted.delete(callerKey);
    // Still full of live entries: forget the oldest rather than grow without bound.
    for (const callerKey of this.counted.keys()) {
      if (this.counted.size < MAX_REMEMBERED_CALLERS) break;
      this.counted.delete(callerKey);
    }
  }

  private notifyIdle(): void {
    for (const resolve of this.idle) resolve();
    this.idle.clear();
  }
}
