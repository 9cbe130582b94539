/**
 * Reserved pods outlive their PodPool (reservation takes them out of its ownership), so their
 * TTLs are kept after the pool is gone: the deleted pool's key still reconciles while its
 * reserved pods remain, and ends the sessions whose TTL has passed.
 */
import { STATE_LABEL } from '../api/labels.js';
import type { PoolKey } from '../api/pool-key.js';
import { podView } from '../pool/pod-view.js';
import { reservationExpiry } from '../pool/reservation-expiry.js';
import type { Expectations } from './expectations.js';
import type { PodWriter, PoolReader } from './ports.js';
import type { Problem } from './problems.js';
import { deletePods } from './steps/delete-pods.js';
import type { PoolPods } from './steps/target.js';

export interface OrphanedReservations {
  problems: Problem[];
  /** When to look again; 0: never (no reservation with a TTL is left). */
  requeueAfterMs: number;
}

/** Deletes the expired reservations of a deleted pool. */
export async function expireOrphanedReservations(
  key: PoolKey,
  namespace: string,
  poolName: string,
  nowMs: number,
  ports: { cache: PoolReader; writer: PodWriter; expectations: Pick<Expectations, 'expectDelete'> },
): Promise<OrphanedReservations> {
  const reserved = ports.cache.podsOf(namespace, poolName).filter((pod) => pod.metadata?.labels?.[STATE_LABEL] === 'reserved');
  if (reserved.length === 0) return { problems: [], requeueAfterMs: 0 };
  const { expired, nextExpiryInMs } = reservationExpiry(reserved.map(podView), nowMs);
  const target: PoolPods = { key, namespace, name: poolName, pods: new Map(reserved.map((pod) => [pod.metadata?.name ?? '', pod])) };
  const deleted = await deletePods(
    target,
    expired.map((pod) => ({ pod, reason: 'expired' as const })),
    ports.writer,
    ports.expectations,
  );
  return { problems: deleted.problems, requeueAfterMs: nextExpiryInMs ?? 0 };
}
