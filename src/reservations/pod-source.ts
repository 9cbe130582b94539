/**
 * What the reservation API reads: the process's informer cache, narrowed to the calls it makes,
 * so tests can hand in a small in-memory object instead of a ClusterCache.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { PoolKey } from '../api/pool-key.js';
import type { PodPool } from '../api/schema.js';

export type PodChangeListener = (key: PoolKey, change: { pool?: PodPool; pod?: V1Pod; previousPod?: V1Pod }) => void;

export interface ReservationPodSource {
  getPool(namespace: string, name: string): PodPool | undefined;
  /** Every pod labelled with the pool, reserved ones included. */
  podsOf(namespace: string, poolName: string): V1Pod[];
  hasSynced(): boolean;
  /** Called with the pool's key on every pool or pod change. */
  onChange(listener: PodChangeListener): void;
}

export function podKeyOf(namespace: string, podName: string): string {
  return `${namespace}/${podName}`;
}
