/** Builds PodPool status (counts, the engine's answer, history, conditions) from one reconcile's facts. Pure. */
import { warmPodSelector } from '../api/labels.js';
import type { PodPool, PodPoolStatus } from '../api/schema.js';
import type { PodClasses } from '../pool/classify.js';
import { canonicalJson } from '../pool/template-hash.js';
import type { Recommendation } from '../scaling/recommend.js';
import { encodeHistory, type ReservationHistory } from '../scaling/reservation-history.js';
import { encodeProfile, type DemandProfile } from '../scaling/weekly-profile.js';
import { setConditions, type ConditionInput } from './conditions.js';
import { describeProblems, type Problem } from './problems.js';

export interface StatusFacts {
  pool: PodPool;
  classes: PodClasses;
  recommendation: Recommendation;
  /** Warm pods the controller aims for: spec.replicas (clamped) when set, else the recommendation. */
  wanted: number;
  /** The bound that limited `wanted`: spec.replicas clamped when set, else the engine's clamp. */
  limitedBy?: 'minPoolSize' | 'maxPoolSize' | undefined;
  history: ReservationHistory;
  totalReservations: number;
  lastReservationMs: number | undefined;
  /** status.unmetReservations as far as it is counted into the history. */
  observedUnmetReservations?: number | undefined;
  /** Claims of the pool waiting for a pod. */
  waitingClaims?: number | undefined;
  observedWarmupSeconds: number | undefined;
  warmupSamples: readonly number[];
  profile: DemandProfile;
  lastScaleTime: string | undefined;
  /** This reconcile's failed writes, then its notices: the first one's reason names the Degraded condition. */
  problems: readonly Problem[];
  nowMs: number;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

export function buildStatus(facts: StatusFacts): PodPoolStatus {
  const { pool, classes, recommendation: r } = facts;
  const ready = classes.ready.length;
  const warming = classes.warming.length;
  const external = pool.spec.replicas !== undefined;
  const { limitedBy } = facts;

  const conditions: ConditionInput[] = [
    ready >= facts.wanted
      ? { type: 'Ready', status: 'True', reason: 'PoolReady', message: `${ready} ready pods for ${facts.wanted} wanted` }
      : { type: 'Ready', status: 'False', reason: 'Warming', message: `${ready} of ${facts.wanted} wanted pods ready, ${warming} warming` },
    {
      type: 'ScalingActive',
      status: 'True',
      // The engine's mode either way, so spike mode shows (and raises events) under KEDA too.
      reason: r.mode === 'spike' ? 'SpikeMode' : 'NormalMode',
      message: external
        ? `spec.replicas=${pool.spec.replicas} (set through /scale) decides the warm count; the engine recommends ${r.desiredReplicas}: ${r.reason}`
        : r.reason,
    },
    limitedBy !== undefined
      ? {
          type: 'ScalingLimited',
          status: 'True',
          reason: limitedBy === 'maxPoolSize' ? 'TooManyReplicas' : 'TooFewReplicas',
          message: `the wanted count was clamped to ${limitedBy} ${pool.spec[limitedBy]}`,
        }
      : {
          type: 'ScalingLimited',
          status: 'False',
          reason: 'WithinBounds',
          message: 'the wanted count is within [minPoolSize, maxPoolSize]',
        },
    facts.problems.length > 0
      ? {
          type: 'Degraded',
          status: 'True',
          reason: facts.problems[0]?.reason ?? 'ReconcileFailed',
          message: describeProblems(facts.problems),
        }
      : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no errors' },
  ];

  return {
    replicas: ready + warming,
    selector: warmPodSelector(pool.metadata.name ?? ''),
    readyPods: ready,
    warmingPods: warming,
    reservedPods: classes.reserved.length,
    desiredReplicas: r.desiredReplicas,
    currentVelocity: round2(r.velocity),
    currentAcceleration: round2(r.acceleration),
    mode: r.mode,
    leadTimeSeconds: Math.round(r.leadTimeSeconds),
    sizedBy: r.setBy,
    ...(facts.observedWarmupSeconds !== undefined ? { observedWarmupSeconds: facts.observedWarmupSeconds } : {}),
    ...(facts.warmupSamples.length > 0 ? { warmupSamples: [...facts.warmupSamples] } : {}),
    demandProfile: encodeProfile(facts.profile),
    totalReservations: facts.totalReservations,
    reservationHistory: encodeHistory(facts.history),
    ...(facts.lastReservationMs !== undefined ? { lastReservationTime: new Date(facts.lastReservationMs).toISOString() } : {}),
    ...(facts.observedUnmetReservations !== undefined ? { observedUnmetReservations: facts.observedUnmetReservations } : {}),
    ...(facts.waitingClaims !== undefined ? { waitingClaims: facts.waitingClaims } : {}),
    ...(facts.lastScaleTime !== undefined ? { lastScaleTime: facts.lastScaleTime } : {}),
    observedGeneration: pool.metadata.generation,
    conditions: setConditions(pool.status?.conditions, conditions, pool.metadata.generation, facts.nowMs),
  };
}

/**
 * True when a merge patch of `next` would change what status says. Compared canonically (sorted
 * keys): the API server returns keys in its own order, and a write that changes nothing would
 * still bump resourceVersion, wake the informer and queue the pool again, forever.
 */
export function statusChanged(previous: PodPoolStatus | undefined, next: PodPoolStatus): boolean {
  return canonicalJson(previous ?? {}) !== canonicalJson({ ...(previous ?? {}), ...next });
}
