/**
 * The PodPool controller loop: cache changes enqueue the pool's key; workers reconcile keys one
 * at a time per key; failures retry with backoff; every pool is resynced periodically (the
 * engine's answer moves with time even when nothing in the cluster changes). Runs only on the
 * leader; stop() drains the queue on shutdown and drops it when leadership is lost.
 */
import { apiStatus } from '../kube/api-status.js';
import { poolKey, type PoolKey } from '../api/pool-key.js';
import { WorkQueue } from '../kube/work-queue.js';
import type { Logger } from '../log.js';
import { reconcileDuration, reconcileTotal } from '../metrics.js';
import type { PoolCache } from './ports.js';
import type { Reconciler } from './reconciler.js';

export interface ControllerOptions {
  workers?: number;
}

/** Kept well inside a pod's 30 s termination grace, so the lease is still released in time. */
export const DRAIN_TIMEOUT_MS = 10_000;

export class PodPoolController {
  private queue: WorkQueue<PoolKey> | undefined;
  private workers: Promise<void>[] = [];
  private stopping: Promise<void> | undefined;
  private readonly workerCount: number;
  /** Numbers the reconciles in log lines, so one reconcile's lines can be told from the next's. */
  private reconciles = 0;

  constructor(
    private readonly cache: PoolCache,
    private readonly reconciler: Pick<Reconciler, 'reconcile'>,
    private readonly log: Logger,
    options: ControllerOptions = {},
  ) {
    this.workerCount = options.workers ?? 4;
    cache.onChange((key) => this.queue?.add(key));
  }

  /** Reconciles the pool soon (something it depends on outside the cache changed, e.g. its claims). */
  enqueue(key: PoolKey): void {
    this.queue?.add(key);
  }

  running(): boolean {
    return this.queue !== undefined;
  }

  start(): void {
    if (this.queue !== undefined) return;
    // Leadership came back while the last term's reconciles were still finishing: wait for them,
    // so no key is ever reconciled by two workers at once.
    if (this.stopping !== undefined) {
      void this.stopping.then(() => this.start());
      return;
    }
    const queue = new WorkQueue<PoolKey>();
    this.queue = queue;
    for (const pool of this.cache.listPools()) queue.add(poolKey(pool.metadata.namespace ?? '', pool.metadata.name ?? ''));
    this.workers = Array.from({ length: this.workerCount }, () => this.work(queue));
    this.log.info({ workers: this.workerCount }, 'controller started');
  }

  /**
   * Stops taking new work and waits for the reconciles in progress. With `drain` (a graceful
   * shutdown, still holding the lease) keys already queued are reconciled first, for at most
   * `drainTimeoutMs`; without it (leadership lost: another replica acts now) they are dropped.
   */
  async stop(options: { drain?: boolean; drainTimeoutMs?: number } = {}): Promise<void> {
    const queue = this.queue;
    if (queue === undefined) return this.stopping;
    this.queue = undefined;
    const drain = options.drain ?? true;
    queue.shutDown();
    if (!drain) queue.dropQueued();
    const workers = this.workers;
    this.workers = [];
    let timer: NodeJS.Timeout | undefined;
    if (drain) timer = setTimeout(() => queue.dropQueued(), options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS);
    this.stopping = Promise.all(workers).then(() => {
      clearTimeout(timer);
      this.stopping = undefined;
      this.log.info({ drained: drain }, 'controller stopped');
    });
    return this.stopping;
  }

  private async work(queue: WorkQueue<PoolKey>): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const reconcileId = ++this.reconciles;
      const log = this.log.child({ pool: key, reconcileId });
      const stopTimer = reconcileDuration.startTimer();
      try {
        const { requeueAfterMs } = await this.reconciler.reconcile(key, log);
        queue.forget(key);
        reconcileTotal.inc({ outcome: 'success' });
        if (requeueAfterMs > 0) queue.addAfter(key, requeueAfterMs);
      } catch (error) {
        const code = apiStatus(error);
        reconcileTotal.inc({ outcome: code === 409 ? 'conflict' : 'error' });
        if (code === 409) log.debug('status write conflicted; requeueing');
        else log.warn({ err: (error as Error).message, failures: queue.failuresOf(key) + 1 }, 'reconcile failed; retrying with backoff');
        queue.addRateLimited(key);
      } finally {
        stopTimer();
        queue.done(key);
      }
    }
  }
}
