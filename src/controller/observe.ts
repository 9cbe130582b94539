/** The observe step: the pool's pods as the cache shows them, and the reservations and warm-ups seen since the last reconcile. */
import type { V1Pod } from '@kubernetes/client-node';
import type { PoolKey } from '../api/pool-key.js';
import { MAX_WARMUP_SAMPLES, type PodPool } from '../api/schema.js';
import { classifyPods, type PodClasses } from '../pool/classify.js';
import { podView, type PodView } from '../pool/pod-view.js';
import { newReservations, updatedWarmupSeconds } from '../pool/reservation-events.js';
import { templateHash } from '../pool/template-hash.js';
import { adoptPodsAdmittedWithoutWebhook } from '../pool/admitted-without-webhook.js';
import { maxHistoryBuckets } from '../scaling/pool-recommendation.js';
import { decodeHistory, recordReservations, type ReservationHistory } from '../scaling/reservation-history.js';
import { advanceProfile, decodeProfile, recordIntoProfile, type DemandProfile } from '../scaling/weekly-profile.js';
import type { Problem } from './problems.js';

export interface ObservedReservations {
  history: ReservationHistory;
  /** The learned time-of-week profile, with this reconcile's reservations counted and advanced to now. */
  profile: DemandProfile;
  /** Reservations counted for the first time in this reconcile. */
  count: number;
  newestMs: number | undefined;
  /** Reserved pods with no reserved-at time (reserved by hand): the hand-over step stamps them. */
  missingReservedAt: PodView[];
  observedUnmet: number | undefined;
}

export interface Observation {
  templateHash: string;
  views: PodView[];
  classes: PodClasses;
  /** Pods the admission webhook never saw, adopted as pods of the current template. */
  admittedWithoutWebhook: PodView[];
  reservations: ObservedReservations;
  warmups: ObservedWarmups;
  /** Claims of the pool waiting for a pod now. */
  waitingClaims: number;
  /** Things the pool's owner should know that are not failures of this reconcile. */
  notices: Problem[];
}

export function observePool(
  pool: PodPool,
  pods: readonly V1Pod[],
  nowMs: number,
  warmups: WarmupSampler,
  key: PoolKey,
  waitingClaims = 0,
): Observation {
  const hash = templateHash(pool.spec.podTemplate);
  const { views, admittedWithoutWebhook } = adoptPodsAdmittedWithoutWebhook(pods.map(podView), hash);
  const classes = classifyPods(views, hash);
  return {
    templateHash: hash,
    views,
    classes,
    admittedWithoutWebhook,
    reservations: observeReservations(pool, classes, nowMs),
    warmups: warmups.observe(key, pool, classes),
    waitingClaims,
    notices: admittedWithoutWebhook.length > 0 ? [webhookNotCalled(admittedWithoutWebhook)] : [],
  };
}

function webhookNotCalled(pods: readonly PodView[]): Problem {
  const names = pods.map((pod) => pod.name);
  return {
    reason: 'WebhookNotCalled',
    message: `${names.length} pool pods were admitted without the podpool admission webhook (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}); the controller repaired their labels. Check the MutatingWebhookConfiguration and the webhook Service`,
  };
}

export function observeReservations(pool: PodPool, classes: PodClasses, nowMs: number): ObservedReservations {
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
  // Pods reserved by hand get reserved-at = now when stamped (in the hand-over step); count them now.
  let newestMs = found.newestMs;
  if (found.missingReservedAt.length > 0) {
    count(nowMs, found.missingReservedAt.length);
    newestMs = Math.max(newestMs ?? 0, nowMs);
  }
  const unmet = unmetSinceObserved(pool.status?.unmetReservations, pool.status?.observedUnmetReservations);
  count(nowMs, unmet.count);
  return {
    history,
    profile: advanceProfile(profile, nowMs),
    count: found.times.length + found.missingReservedAt.length,
    newestMs,
    missingReservedAt: found.missingReservedAt,
    observedUnmet: unmet.observed,
  };
}

/**
 * Requests the reservation API turned away since the last reconcile counted them. They count as
 * demand now (the counter is bumped within moments of the 503 and wakes the pool). A counter
 * below the watermark was reset by hand: start over from it.
 */
export function unmetSinceObserved(
  unmet: number | undefined,
  observed: number | undefined,
): { count: number; observed: number | undefined } {
  if (unmet === undefined || !Number.isInteger(unmet) || unmet < 0) return { count: 0, observed };
  const since = observed !== undefined && Number.isInteger(observed) && observed >= 0 ? observed : 0;
  return { count: Math.max(0, unmet - since), observed: unmet };
}

export interface ObservedWarmups {
  /** The moving average of warm-ups, seconds. */
  seconds: number | undefined;
  /** The latest warm-ups, seconds, newest last (status.warmupSamples). */
  samples: number[];
}

/** Longer than any warm-up a spec may declare: a pod that took this long was not warming. */
export const MAX_WARMUP_SAMPLE_SECONDS = 3600;

/**
 * Samples each pod's first time to Ready once. A pod stays sampled while it exists in any state,
 * so one that drops to NotReady and comes back is not measured again from its creation. Kept in
 * memory: a restart re-samples ready pods once, harmlessly.
 */
export class WarmupSampler {
  private readonly sampled = new Map<PoolKey, Set<string>>();

  observe(key: PoolKey, pool: PodPool, classes: PodClasses): ObservedWarmups {
    const sampled = this.sampled.get(key) ?? new Set<string>();
    const samples: number[] = [];
    for (const pod of classes.ready) {
      if (sampled.has(pod.name) || pod.readySinceMs === undefined || pod.createdMs === 0) continue;
      sampled.add(pod.name);
      const seconds = (pod.readySinceMs - pod.createdMs) / 1000;
      if (seconds <= MAX_WARMUP_SAMPLE_SECONDS) samples.push(seconds);
    }
    const alive = new Set(Object.values(classes).flatMap((pods: PodView[]) => pods.map((pod) => pod.name)));
    this.sampled.set(key, new Set([...sampled].filter((name) => alive.has(name))));
    const kept = [...(pool.status?.warmupSamples ?? []), ...samples.map((seconds) => Math.round(seconds * 10) / 10)].slice(
      -MAX_WARMUP_SAMPLES,
    );
    return { seconds: updatedWarmupSeconds(pool.status?.observedWarmupSeconds, samples), samples: kept };
  }

  forget(key: PoolKey): void {
    this.sampled.delete(key);
  }
}
