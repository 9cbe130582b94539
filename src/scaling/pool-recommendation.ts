/**
 * The one engine call every role makes for a PodPool object: the controller (which writes the
 * answer to status.desiredReplicas), the scaler (which serves it to KEDA) and the simulator (from
 * the status the controller would have written). `podpool recommend` decodes the same
 * observations and lets flags replace them.
 */
import type { PodPool, PodPoolSpec, PodPoolStatus } from '../api/schema.js';
import { historyBucketsNeeded, recommend, type Observations, type Recommendation } from './recommend.js';
import { advanceHistory, decodeHistory, DEFAULT_BUCKET_SECONDS } from './reservation-history.js';
import { advanceProfile, decodeProfile } from './weekly-profile.js';

export function maxHistoryBuckets(spec: PodPoolSpec): number {
  return historyBucketsNeeded(spec, DEFAULT_BUCKET_SECONDS);
}

/** What the engine needs, read from status (the reservation history, observed warm-ups, the weekly profile, waiting claims). */
export function observationsFromStatus(spec: PodPoolSpec, status: PodPoolStatus | undefined, nowMs: number): Observations {
  const history = advanceHistory(decodeHistory(status?.reservationHistory, nowMs), nowMs, maxHistoryBuckets(spec));
  const profile = advanceProfile(decodeProfile(status?.demandProfile, nowMs, spec.timeZone), nowMs);
  return {
    history,
    observedWarmupSeconds: status?.observedWarmupSeconds,
    warmupSamples: status?.warmupSamples,
    profile,
    waitingClaims: status?.waitingClaims,
  };
}

export function recommendForPool(pool: Pick<PodPool, 'spec' | 'status'>, now: Date | number): Recommendation {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  return recommend(pool.spec, observationsFromStatus(pool.spec, pool.status, nowMs), nowMs);
}
