/**
 * Reserved pods outlive their PodPool (reservation takes them out of its ownership), so their
 * TTLs are kept after the pool is gone: the deleted pool's key still reconciles while its
 * reserved pods remain, and ends the sessions whose TTL has passed.
 */
import { podsDeletedTotal } from '../metrics.js';
import { podView } from '../pool/pod-view.js';
import { reservationExpiry } from '../pool/reservation-expiry.js';
import { STATE_LABEL } from '../api/labels.js';
import type { ReconcileDeps } from './reconcile.js';

/** Deletes the expired reservations of a deleted pool; returns when to look again (0: never). */
export async function expireOrphanedReservations(namespace: string, pool: string, deps: ReconcileDeps): Promise<number> {
  const reserved = deps.cache.podsOf(namespace, pool).filter((pod) => pod.metadata?.labels?.[STATE_LABEL] === 'reserved');
  if (reserved.length === 0) return 0;
  const byName = new Map(reserved.map((pod) => [pod.metadata?.name ?? '', pod]));
  const { expired, nextExpiryInMs } = reservationExpiry(reserved.map(podView), deps.now());
  const failures: string[] = [];
  await Promise.all(
    expired.map(async ({ name }) => {
      const raw = byName.get(name);
      try {
        const outcome = await deps.writer.deletePod(namespace, name, raw?.metadata?.uid, raw?.metadata?.resourceVersion);
        if (outcome === 'deleted') podsDeletedTotal.inc({ namespace, pool, reason: 'expired' });
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
      }
    }),
  );
  if (failures.length > 0) throw new Error(`PodDeleteFailed: ${failures.join('; ')}`);
  return nextExpiryInMs ?? 0;
}
