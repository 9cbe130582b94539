/**
 * The PodPoolClaim controller: runs on the leader only, beside the PodPool controller. Its work
 * queue is keyed by pool (`namespace/pool`), not by claim, so the claims of one pool are bound by
 * one worker in one order (oldest first); claim changes and the pool's pod changes enqueue the key.
 */
import type { PoolKey } from '../api/pool-key.js';
import { systemClock, type Clock } from '../clock.js';
import { WorkQueue } from '../kube/work-queue.js';
import { PodClaims } from '../reservations/claims.js';
import { DEFAULT_RESERVATION_OPTIONS } from '../reservations/service.js';
import { RecentBinds } from './recent-binds.js';
import { reconcileClaims, type ClaimReconcileDeps } from './reconcile.js';

export type ClaimControllerDeps = Omit<ClaimReconcileDeps, 'podClaims' | 'recentBinds' | 'maxConflicts' | 'clock' | 'random'> & {
  /** Told of every pool or pod change by `namespace/pool` key (the ClusterCache's onChange). */
  onPoolChange(listener: (key: PoolKey) => void): void;
  onClaimChange(listener: (key: PoolKey) => void): void;
  workers?: number;
  clock?: Clock;
  random?: () => number;
};

export class PodPoolClaimController {
  private queue: WorkQueue<PoolKey> | undefined;
  private workers: Promise<void>[] = [];
  private stopping: Promise<void> | undefined;
  private readonly deps: ClaimReconcileDeps;
  private readonly workerCount: number;

  constructor(deps: ClaimControllerDeps) {
    this.workerCount = deps.workers ?? 2;
    this.deps = {
      ...deps,
      podClaims: new PodClaims(),
      recentBinds: new RecentBinds(),
      maxConflicts: DEFAULT_RESERVATION_OPTIONS.maxConflicts,
      clock: deps.clock ?? systemClock,
      random: deps.random ?? Math.random,
    };
    deps.onClaimChange((key) => this.queue?.add(key));
    deps.onPoolChange((key) => {
      if (this.deps.claims.hasClaims(key)) this.queue?.add(key);
    });
  }

  running(): boolean {
    return this.queue !== undefined;
  }

  start(): void {
    if (this.queue !== undefined) return;
    if (this.stopping !== undefined) {
      void this.stopping.then(() => this.start());
      return;
    }
    const queue = new WorkQueue<PoolKey>({ clock: this.deps.clock, reportDepth: () => undefined });
    this.queue = queue;
    for (const key of this.deps.claims.poolKeys()) queue.add(key);
    this.workers = Array.from({ length: this.workerCount }, () => this.work(queue));
    this.deps.log.info({ workers: this.workerCount }, 'claim controller started');
  }

  /** Stops taking work and waits for the reconciles in progress; queued keys are dropped (the next leader lists every claim). */
  async stop(): Promise<void> {
    const queue = this.queue;
    if (queue === undefined) return this.stopping;
    this.queue = undefined;
    queue.shutDown();
    queue.dropQueued();
    const workers = this.workers;
    this.workers = [];
    this.stopping = Promise.all(workers).then(() => {
      this.stopping = undefined;
      this.deps.log.info('claim controller stopped');
    });
    return this.stopping;
  }

  private async work(queue: WorkQueue<PoolKey>): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const log = this.deps.log.child({ pool: key });
      try {
        const { requeueAfterMs, bound, pending } = await reconcileClaims(key, { ...this.deps, log });
        queue.forget(key);
        if (bound > 0 || pending > 0) log.debug({ bound, pending }, 'claims reconciled');
        if (requeueAfterMs > 0) queue.addAfter(key, requeueAfterMs);
      } catch (error) {
        log.warn({ err: (error as Error).message, failures: queue.failuresOf(key) + 1 }, 'claim reconcile failed; retrying with backoff');
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  }
}
