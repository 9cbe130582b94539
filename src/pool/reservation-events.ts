/**
 * Reservations are observed from pods turning reserved, whoever reserved them (the reservation
 * API or `kubectl label`). A reservation is new when its reserved-at time is later than the
 * newest one already counted, a watermark kept in status, so a restart never counts one twice.
 */
import { reservedAtMs, type PodView } from './pod-view.js';

export interface NewReservations {
  /** reserved-at times of reservations not counted yet. */
  times: number[];
  /** Reserved pods with no (valid) reserved-at annotation: reserved by hand; stamp them now. */
  missingReservedAt: PodView[];
  /** The new watermark. */
  newestMs: number | undefined;
}

export function newReservations(reserved: readonly PodView[], countedUntilMs: number | undefined): NewReservations {
  const times: number[] = [];
  const missingReservedAt: PodView[] = [];
  let newestMs = countedUntilMs;
  for (const pod of reserved) {
    const at = reservedAtMs(pod);
    if (at === undefined) {
      missingReservedAt.push(pod);
      continue;
    }
    if (countedUntilMs !== undefined && at <= countedUntilMs) continue;
    times.push(at);
    if (newestMs === undefined || at > newestMs) newestMs = at;
  }
  return { times: times.sort((a, b) => a - b), missingReservedAt, newestMs };
}

/** Exponentially weighted warm-up estimate: recent pods count most, one slow pod moves it little. */
export function updatedWarmupSeconds(previous: number | undefined, samplesSeconds: readonly number[], weight = 0.2): number | undefined {
  let estimate = previous;
  for (const sample of samplesSeconds) {
    if (!Number.isFinite(sample) || sample < 0) continue;
    estimate = estimate === undefined ? sample : estimate + weight * (sample - estimate);
  }
  return estimate === undefined ? undefined : Math.round(estimate * 10) / 10;
}
