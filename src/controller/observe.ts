/** The observe step: reservations and warm-ups seen in the pool's pods since the last reconcile. */
import { MAX_WARMUP_SAMPLES, type PodPool } from '../api/schema.js';
import type { PodClasses } from '../pool/classify.js';
import type { PodView } from '../pool/pod-view.js';
import { newReservations, updatedWarmupSeconds } from '../pool/reservation-events.js';
import { maxHistoryBuckets } from '../scaling/pool-recommendation.js';
import { decodeHistory, recordReservations } from '../scaling/reservation-history.js';
import { advanceProfile, decodeProfile, recordIntoProfile } from '../scaling/weekly-profile.js';

/** Warm-up samples already taken, per pool (in memory: a restart re-samples ready pods once, harmlessly). */
const sampledWarmups = new Map<string, Set<string>>();

export function forgetPool(key: string): void {
  sampledWarmups.delete(key);
}

export function observeReservations(pool: PodPool, classes: PodClasses, nowMs: number) {
  const countedUntil = pool.status?.lastReservationTime === undefined ? undefined : Date.parse(pool.status.lastReservationTime);
  const found = newReservations(classes.reserved, Number.isFinite(countedUntil) ? countedUntil : undefined);
  let history = decodeHistory(pool.status?.reservationHistory, nowMs);
  let profile = decodeProfile(pool.status?.demandProfile, nowMs, pool.spec.timeZone);
  const maxBuckets = maxHistoryBuckets(pool.spec);
  const count = (atMs: number, reservations: number): void => {
    history = recordReservations(history, atMs, reservations, maxBuckets);
    profile = recordIntoProfile(profile, atMs, reservations);
  };
  for (const at of found.times) count(Math.min(at, nowMs), 1);
  // Pods reserved by hand get reserved-at = now when stamped (in act); count them now.
  let newestMs = found.newestMs;
  if (found.unstamped.length > 0) {
    count(nowMs, found.unstamped.length);
    newestMs = Math.max(newestMs ?? 0, nowMs);
  }
  const unmet = unmetSinceObserved(pool.status?.unmetReservations, pool.status?.observedUnmetReservations);
  count(nowMs, unmet.count);
  return {
    history,
    profile: advanceProfile(profile, nowMs),
    count: found.times.length + found.unstamped.length,
    newestMs,
    unstamped: found.unstamped,
    observedUnmet: unmet.observed,
  };
}

/**
 * Requests the reservation API turned away since the last reconcile counted them. They count as
 * demand now (the counter is bumped within moments of the 503 and wakes the pool). A counter
 * below the watermark was reset by hand: start over from it.
 */
export function unmetSinceObserved(unmet: number | undefined, observed: number | undefined): { count: number; observed: number | undefined } {
  if (unmet === undefined || !Number.isInteger(unmet) || unmet < 0) return { count: 0, observed };
  const since = observed !== undefined && Number.isInteger(observed) && observed >= 0 ? observed : 0;
  return { count: Math.max(0, unmet - since), observed: unmet };
}

/** Longer than any warm-up a spec may declare: a pod that took this long was not warming. */
export const MAX_WARMUP_SAMPLE_SECONDS = 3600;

/**
 * Samples each pod's first time to Ready once. A pod stays sampled while it exists in any state,
 * so one that drops to NotReady and comes back is not measured again from its creation.
 */
export function observeWarmups(key: string, pool: PodPool, classes: PodClasses): { seconds: number | undefined; samples: number[] } {
  const sampled = sampledWarmups.get(key) ?? new Set<string>();
  const samples: number[] = [];
  for (const pod of classes.ready) {
    if (sampled.has(pod.name) || pod.readySinceMs === undefined || pod.createdMs === 0) continue;
    sampled.add(pod.name);
    const seconds = (pod.readySinceMs - pod.createdMs) / 1000;
    if (seconds <= MAX_WARMUP_SAMPLE_SECONDS) samples.push(seconds);
  }
  const alive = new Set(Object.values(classes).flatMap((pods: PodView[]) => pods.map((pod) => pod.name)));
  sampledWarmups.set(key, new Set([...sampled].filter((name) => alive.has(name))));
  const kept = [...(pool.status?.warmupSamples ?? []), ...samples.map((seconds) => Math.round(seconds * 10) / 10)].slice(-MAX_WARMUP_SAMPLES);
  return { seconds: updatedWarmupSeconds(pool.status?.observedWarmupSeconds, samples), samples: kept };
}
