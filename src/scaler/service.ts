/**
 * The scaler's one service; the gRPC and HTTP faces are thin layers over it. It reads pools only
 * from the informer cache and answers with the engine call the controller makes
 * (recommendForPool), so KEDA, `kubectl get pp` and the controller agree on the number.
 */
import type { PodPool } from '../api/schema.js';
import { PodpoolError } from '../errors.js';
import type { PodPoolReader } from '../kube/pool-reader.js';
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
}

export class ScalerService {
  constructor(
    private readonly pools: PodPoolReader,
    /** The clock, injected so tests and the benchmark get deterministic answers. */
    readonly now: () => number = Date.now,
  ) {}

  private pool(ref: PoolRef): PodPool {
    const pool = this.pools.getPool(ref.namespace, ref.name);
    if (pool !== undefined) return pool;
    // Before the first list, "absent" means "not known yet": KEDA should retry, not give up.
    if (!this.pools.hasSynced()) throw new PodpoolError('Unavailable', 'the PodPool cache has not synced yet; retry shortly');
    throw new PodpoolError('NotFound', `PodPool ${ref.namespace}/${ref.name} not found (trigger metadata ${POOL_NAME_KEY}/${POOL_NAMESPACE_KEY})`);
  }

  /** Cheap on purpose (KEDA asks on every poll and every HPA sync): an existence check, no engine call. */
  metricSpec(ref: PoolRef): ScalerMetricSpec {
    this.pool(ref);
    return { metricName: metricNameFor(ref), targetSize: METRIC_TARGET_SIZE };
  }

  answer(ref: PoolRef): ScalerAnswer {
    const recommendation = recommendForPool(this.pool(ref), this.now());
    return {
      metricName: metricNameFor(ref),
      desiredReplicas: recommendation.desiredReplicas,
      active: recommendation.desiredReplicas > 0,
      recommendation,
    };
  }
}

export function createScalerService(pools: PodPoolReader, options: { now?: () => number } = {}): ScalerService {
  return new ScalerService(pools, options.now);
}
