/** What every write step of one reconcile shares: the pool, and its pods as the cache showed them. */
import type { V1Pod } from '@kubernetes/client-node';
import type { PoolKey } from '../../api/pool-key.js';
import type { PodPool } from '../../api/schema.js';

/** A pool's pods to write to, by the pool's key and name. */
export interface PoolPods {
  key: PoolKey;
  namespace: string;
  name: string;
  /** The cached pods by name: each write carries the version its decision was computed from. */
  pods: ReadonlyMap<string, V1Pod>;
}

export interface PoolTarget extends PoolPods {
  pool: PodPool;
}

/** Most writes to the API server one step has in flight at once (as the create batches' cap). */
export const MAX_CONCURRENT_WRITES = 64;

export function poolTarget(key: PoolKey, pool: PodPool, pods: readonly V1Pod[]): PoolTarget {
  return {
    pool,
    key,
    namespace: pool.metadata.namespace ?? '',
    name: pool.metadata.name ?? '',
    pods: new Map(pods.map((pod) => [pod.metadata?.name ?? '', pod])),
  };
}
