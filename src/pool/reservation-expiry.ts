/** Reservations with a TTL (podpool.dev/reservation-ttl-seconds) end ttl seconds after reserved-at. */
import { RESERVATION_TTL_ANNOTATION } from '../api/labels.js';
import { reservedAtMs, type PodView } from './pod-view.js';

export interface ReservationExpiry {
  /** Reserved pods whose TTL has passed: their sessions end (the pods are deleted). */
  expired: PodView[];
  /** Milliseconds until the next TTL passes, if any reservation has one. */
  nextExpiryInMs: number | undefined;
}

export function reservationExpiry(reserved: readonly PodView[], nowMs: number): ReservationExpiry {
  const expired: PodView[] = [];
  let nextExpiryInMs: number | undefined;
  for (const pod of reserved) {
    if (pod.deletingMs !== undefined) continue;
    const ttlSeconds = Number(pod.annotations[RESERVATION_TTL_ANNOTATION]);
    const reservedAt = reservedAtMs(pod);
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || reservedAt === undefined) continue;
    const expiresMs = reservedAt + ttlSeconds * 1000;
    if (expiresMs <= nowMs) expired.push(pod);
    else nextExpiryInMs = Math.min(nextExpiryInMs ?? Infinity, expiresMs - nowMs);
  }
  return { expired, nextExpiryInMs };
}
