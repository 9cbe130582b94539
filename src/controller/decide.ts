/** The decide step: the engine's recommendation, and the warm count to aim for. */
import type { PodPool } from '../api/schema.js';
import { recommendForPool } from '../scaling/pool-recommendation.js';
import type { Recommendation } from '../scaling/recommend.js';
import { encodeHistory } from '../scaling/reservation-history.js';
import { encodeProfile } from '../scaling/weekly-profile.js';
import type { Observation } from './observe.js';

export interface Decision {
  recommendation: Recommendation;
  /** Warm pods to aim for. */
  wanted: number;
  /** The bound that limited `wanted`, if one did. */
  limitedBy: Recommendation['limitedBy'];
}

export function decide(pool: PodPool, observed: Observation, nowMs: number): Decision {
  const recommendation = recommendForPool(
    {
      spec: pool.spec,
      status: {
        ...pool.status,
        reservationHistory: encodeHistory(observed.reservations.history),
        demandProfile: encodeProfile(observed.reservations.profile),
        observedWarmupSeconds: observed.warmups.seconds,
        warmupSamples: observed.warmups.samples,
        waitingClaims: observed.waitingClaims,
      },
    },
    nowMs,
  );
  return { recommendation, ...wantedWarmPods(pool, recommendation) };
}

/**
 * spec.replicas (KEDA, HPA or kubectl scale) clamped to [minPoolSize, maxPoolSize] when set,
 * else the engine's own clamped answer.
 */
function wantedWarmPods(pool: PodPool, recommendation: Recommendation): { wanted: number; limitedBy: Recommendation['limitedBy'] } {
  const replicas = pool.spec.replicas;
  if (replicas === undefined) return { wanted: recommendation.desiredReplicas, limitedBy: recommendation.limitedBy };
  if (replicas > pool.spec.maxPoolSize) return { wanted: pool.spec.maxPoolSize, limitedBy: 'maxPoolSize' };
  if (replicas < pool.spec.minPoolSize) return { wanted: pool.spec.minPoolSize, limitedBy: 'minPoolSize' };
  return { wanted: replicas, limitedBy: undefined };
}
