/**
 * The scaler's one service; the gRPC and HTTP faces are thin layers over it. It reads pools only
 * from the informer cache and answers with the engine call the controller makes
 * (recommendForPool), so KEDA, `kubectl get pp` and the controller agree on the number.
 */
import { poolKey, type PoolKey } from '../api/pool-key.js';
import type { PodPool } from '../api/schema.js';
import { systemClock, type Clock } from '../clock.js';
import { PodpoolError } from '../errors.js';
import type { PodPoolReader } from '../kube/pool-reader.js';
import { scalerEngineEvaluationsTotal } from '../metrics.js';
import { recommendForPool } from '../scaling/pool-recommendation.js';
import type { Recommendation } from '../scaling/recommend.js';
import { metricNameFor, POOL_NAME_KEY, POOL_NAMESPACE_KEY, type PoolRef } from './pool-ref.js';

/** targetSize 1 with AverageValue makes KEDA's HPA ask for exactly the metric value in replicas. */
export const METRIC_TARGET_SIZE = 1;

export interface ScalerMetricSpec {
  metricName: string;
  targetSize: number;
}

export interface ScalerAnswer {
  metricName: string;
  desiredReplicas: number;
  active: boolean;
  recommendation: Recommendation;
  /**
   * The controller has already written this answer to the pool's status (for the current
   * generation). Until it has, a status write is on its way, and KEDA's resourceVersion-guarded
   * /scale update racing it would fail with a conflict that KEDA does not retry until its next poll.
   */
  published: boolean;
}

/**
 * How long one engine evaluation answers a pool's calls. KEDA asks GetMetrics and then IsActive
 * on every poll and the HPA asks again on its own sync: one evaluation per pool serves them all,
 * so a thousand ScaledObjects cost a thousand engine calls per poll, not three thousand.
 */
export const DEFAULT_ANSWER_TTL_MS = 1_000;

interface CachedAnswer {
  /** The cached PodPool object: the informer replaces it on every change, so a new spec or status is a miss. */
  pool: PodPool;
  at: number;
  answer: ScalerAnswer;
}

export interface ScalerServiceOptions {
  /** Injected so tests and the benchmark get deterministic answers. */
  clock?: Clock;
  answerTtlMs?: number;
}

export class ScalerService {
  private readonly clock: Clock;
  private readonly answerTtlMs: number;
  private readonly answers = new Map<PoolKey, CachedAnswer>();
  private lastSweep = 0;

  constructor(
    private readonly pools: PodPoolReader,
    options: ScalerServiceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.answerTtlMs = options.answerTtlMs ?? DEFAULT_ANSWER_TTL_MS;
  }

  private pool(ref: PoolRef): PodPool {
    const pool = this.pools.getPool(ref.namespace, ref.name);
    if (pool !== undefined) return pool;
    // Before the first list, "absent" means "not known yet": KEDA should retry, not give up.
    if (!this.pools.hasSynced()) throw new PodpoolError('Unavailable', 'the PodPool cache has not synced yet; retry shortly');
    throw new PodpoolError(
      'NotFound',
      `PodPool ${ref.namespace}/${ref.name} not found (trigger metadata ${POOL_NAME_KEY}/${POOL_NAMESPACE_KEY})`,
    );
  }

  /** Cheap on purpose (KEDA asks on every poll and every HPA sync): an existence check, no engine call. */
  metricSpec(ref: PoolRef): ScalerMetricSpec {
    this.pool(ref);
    return { metricName: metricNameFor(ref), targetSize: METRIC_TARGET_SIZE };
  }

  answer(ref: PoolRef): ScalerAnswer {
    const pool = this.pool(ref);
    const now = this.clock.now();
    const key = poolKey(ref.namespace, ref.name);
    const cached = this.answers.get(key);
    if (cached !== undefined && cached.pool === pool && now >= cached.at && now - cached.at < this.answerTtlMs) return cached.answer;
    const recommendation = recommendForPool(pool, now);
    scalerEngineEvaluationsTotal.inc();
    const answer: ScalerAnswer = {
      metricName: metricNameFor(ref),
      desiredReplicas: recommendation.desiredReplicas,
      active: recommendation.desiredReplicas > 0,
      recommendation,
      published:
        pool.status?.observedGeneration === pool.metadata.generation && pool.status?.desiredReplicas === recommendation.desiredReplicas,
    };
    this.answers.set(key, { pool, at: now, answer });
    this.sweep(now);
    return answer;
  }

  /** Drops answers past their time, at most once per TTL, so deleted pools leave nothing behind. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.answerTtlMs) return;
    this.lastSweep = now;
    for (const [key, cached] of this.answers) if (now - cached.at >= this.answerTtlMs || now < cached.at) this.answers.delete(key);
  }
}
