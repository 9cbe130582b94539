/**
 * The scaler's one service; the gRPC and HTTP faces are thin layers over it. It reads pools from
 * the informer cache and answers with the same engine call the controller makes
 * (recommendForPool), so KEDA, `kubectl get pp` and the controller always agree.
 */
import type { PodPool } from '../api/schema.js';
import { PodpoolError } from '../errors.js';
import type { PodPoolReader } from '../kube/pool-reader.js';
import { recommendForPool } from '../scaling/pool-recommendation.js';
import type { Recommendation } from '../scaling/recommend.js';

export const POOL_NAME_KEY = 'podPoolName';
export const POOL_NAMESPACE_KEY = 'podPoolNamespace';

export interface ScaledObjectRef {
  name?: string;
  namespace?: string;
  scalerMetadata?: Record<string, string>;
}

export interface PoolRef {
  namespace: string;
  name: string;
}

export interface ScalerAnswer {
  metricName: string;
  desiredReplicas: number;
  active: boolean;
  recommendation: Recommendation;
}

/** DNS-1123 subdomain, the shape of a PodPool or namespace name. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function poolRefFromScaledObject(ref: ScaledObjectRef): PoolRef {
  const metadata = ref.scalerMetadata ?? {};
  const name = metadata[POOL_NAME_KEY];
  if (name === undefined || name === '') {
    throw new PodpoolError('InvalidArgument', `trigger metadata key ${POOL_NAME_KEY} is required (the PodPool to scale)`);
  }
  if (!NAME.test(name)) throw new PodpoolError('InvalidArgument', `trigger metadata ${POOL_NAME_KEY} ${JSON.stringify(name)} is not a valid PodPool name`);
  const namespace = metadata[POOL_NAMESPACE_KEY] || ref.namespace || '';
  if (namespace === '') {
    throw new PodpoolError('InvalidArgument', `trigger metadata key ${POOL_NAMESPACE_KEY} is required when the ScaledObject namespace is unknown`);
  }
  if (!NAME.test(namespace)) {
    throw new PodpoolError('InvalidArgument', `trigger metadata ${POOL_NAMESPACE_KEY} ${JSON.stringify(namespace)} is not a valid namespace name`);
  }
  return { namespace, name };
}

/** Stable per pool, so the HPA KEDA creates keeps tracking the same metric. */
export function metricNameFor(pool: PoolRef): string {
  return `podpool-${pool.namespace}-${pool.name}`;
}

export class ScalerService {
  constructor(
    private readonly pools: PodPoolReader,
    private readonly now: () => number = Date.now,
  ) {}

  private pool(ref: PoolRef): PodPool {
    const pool = this.pools.getPool(ref.namespace, ref.name);
    if (pool !== undefined) return pool;
    if (!this.pools.hasSynced()) throw new PodpoolError('Unavailable', 'the PodPool cache has not synced yet; retry shortly');
    throw new PodpoolError('NotFound', `PodPool ${ref.namespace}/${ref.name} not found (trigger metadata ${POOL_NAME_KEY}/${POOL_NAMESPACE_KEY})`);
  }

  /** Cheap: no engine call, only the existence check. */
  metricSpec(ref: PoolRef): { metricName: string; targetSize: number } {
    this.pool(ref);
    return { metricName: metricNameFor(ref), targetSize: 1 };
  }

  answer(ref: PoolRef): ScalerAnswer {
    const recommendation = recommendForPool(this.pool(ref), this.now());
    return { metricName: metricNameFor(ref), desiredReplicas: recommendation.desiredReplicas, active: recommendation.desiredReplicas > 0, recommendation };
  }
}
