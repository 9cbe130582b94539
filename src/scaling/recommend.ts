/**
 * The scaling engine: how many warm pods (warming + ready) a pool should have at `now`.
 * Pure: the controller, the scaler, the simulator and the benchmarks all call this one function
 * and get the same answer for the same input.
 *
 *   lead time L    = spec.warmupSeconds, else the 90th percentile of observed warm-ups, else 60 s
 *   forecast rate  = the larger of the live rate (velocity + trend * P, the trend being the rise
 *                    beyond its noise, projected over P = L, or 2L in spike mode) and the learned
 *                    weekly profile's busiest slot within L, discounted by how much of its recent
 *                    prediction came
 *   demand D over L ~ Poisson(rate * L), negative binomial when the history is burstier
 *   quantile       = smallest S with P(D >= S) <= 1 - spec.availability
 *   window target  = largest target of the windows active now or starting within L (pre-scaling)
 *   recommended    = clamp(max(window target, quantile, targetReadyPods + ceil(rate * L)), min, max)
 *   desired        = clamp(the highest recommendation over the last scaleDownStabilizationSeconds
 *                    + the claims waiting for a pod now, min, max)
 *
 * The pool is a base-stock inventory: the warm count S covers the demand of the next lead time,
 * and claims already waiting are back-orders on top of it (each takes the next pod that turns
 * Ready). Without them a crowd's first waiting users take the very pods the forecast asked for,
 * and the users after them wait too: on the shipped flash-crowd trace, with the back-orders not
 * capped by maxPoolSize, counting them cut the cold rate from 29 % to 18 % for 0.4 % more idle
 * pods (the shipped pool's maxPoolSize of 50 caps them there, and the trace stays at 29 %).
 *
 * Spike mode starts when velocity or acceleration reaches its threshold; it projects the trend
 * over two lead times, so the pool grows ahead of a ramp instead of one warm-up behind it. (It
 * used to plan two lead times of the whole demand, which at a steady high rate only added idle
 * pods: 6-20 % of the cost on the shipped traces.)
 */
import type { PodPoolSpec } from '../api/schema.js';
import { warmCountFor } from './demand-quantile.js';
import { dispersionAt, DISPERSION_WINDOW_SECONDS } from './dispersion.js';
import { LONG_WINDOW_SECONDS, rateAt } from './rate.js';
import type { ReservationHistory } from './reservation-history.js';
import { describeWindow, windowTarget } from './time-windows.js';
import { profileRateAhead, type DemandProfile } from './weekly-profile.js';

export const DEFAULT_LEAD_TIME_SECONDS = 60;
export const SPIKE_HORIZON_FACTOR = 2;
/** The lead time is this percentile of the observed warm-ups: slow pods set how early to start. */
export const LEAD_TIME_PERCENTILE = 0.9;
/** Fewer samples than this say too little about the tail: the moving average is used instead. */
export const MIN_WARMUP_SAMPLES = 5;

export interface Observations {
  history: ReservationHistory;
  /** Recent warm-up time measured by the controller (a moving average); used when spec.warmupSeconds is unset. */
  observedWarmupSeconds?: number | undefined;
  /** The latest observed warm-ups, seconds; their high percentile is the lead time when spec.warmupSeconds is unset. */
  warmupSamples?: readonly number[] | undefined;
  /** The learned time-of-week profile. */
  profile?: DemandProfile | undefined;
  /** Claims of the pool waiting for a pod now (back-orders); each adds one warm pod. */
  waitingClaims?: number | undefined;
}

export type Mode = 'normal' | 'spike';

/** The term that set the count before clamping. */
export type SizingTerm = 'window' | 'quantile' | 'buffer';

export interface ActiveWindow {
  index: number;
  description: string;
  target: number;
  preScaled: boolean;
}

export interface Recommendation {
  /** Warm pods wanted (warming + ready), stabilized against scale-down flapping. */
  desiredReplicas: number;
  /** What the engine would ask for now without stabilization. */
  recommendedNow: number;
  velocity: number;
  acceleration: number;
  /** The acceleration beyond its noise that the forecast projects (0 when not rising significantly). */
  trend: number;
  leadTimeSeconds: number;
  leadTimeSource: 'spec' | 'observed' | 'default';
  /** Reservations per minute expected over the horizon, and where that figure came from. */
  forecastRate: number;
  forecastSource: 'live' | 'profile';
  /** Mean demand over the horizon, rounded up. */
  expectedDemand: number;
  /** Variance over mean of recent demand (1: Poisson). */
  dispersion: number;
  availability: number;
  /** Warm pods the availability target asks for at that demand. */
  quantileTarget: number;
  setBy: SizingTerm;
  mode: Mode;
  spikeTrigger?: 'velocity' | 'acceleration' | undefined;
  window?: ActiveWindow | undefined;
  limitedBy?: 'minPoolSize' | 'maxPoolSize' | undefined;
  stabilized: boolean;
  /** Claims waiting for a pod, added on top of the (stabilized) recommendation. */
  waitingClaims: number;
  reason: string;
}

/** The q-quantile of the samples (nearest rank), or undefined without samples. */
export function percentile(samples: readonly number[], q: number): number | undefined {
  const valid = samples.filter((sample) => Number.isFinite(sample) && sample > 0).sort((a, b) => a - b);
  if (valid.length === 0) return undefined;
  return valid[Math.min(valid.length - 1, Math.max(0, Math.ceil(q * valid.length) - 1))];
}

export function leadTime(spec: PodPoolSpec, observations: Observations): { seconds: number; source: Recommendation['leadTimeSource'] } {
  if (spec.warmupSeconds !== undefined) return { seconds: spec.warmupSeconds, source: 'spec' };
  const samples = observations.warmupSamples ?? [];
  const tail = samples.length >= MIN_WARMUP_SAMPLES ? percentile(samples, LEAD_TIME_PERCENTILE) : undefined;
  if (tail !== undefined) return { seconds: tail, source: 'observed' };
  const observed = observations.observedWarmupSeconds;
  if (observed !== undefined && Number.isFinite(observed) && observed > 0) return { seconds: observed, source: 'observed' };
  return { seconds: DEFAULT_LEAD_TIME_SECONDS, source: 'default' };
}

/** How far ahead the trend is projected: one lead time, two in spike mode. */
function trendProjectionSeconds(mode: Mode, leadSeconds: number): number {
  return mode === 'spike' ? SPIKE_HORIZON_FACTOR * leadSeconds : leadSeconds;
}

type Instant = Omit<Recommendation, 'desiredReplicas' | 'recommendedNow' | 'stabilized' | 'waitingClaims' | 'reason'> & {
  replicas: number;
};

function recommendAt(spec: PodPoolSpec, observations: Observations, atMs: number): Instant {
  const lead = leadTime(spec, observations);
  const leadMinutes = lead.seconds / 60;
  const { history } = observations;
  const { velocity, acceleration, trend } = rateAt(history, atMs);

  let spikeTrigger: Instant['spikeTrigger'];
  if (spec.scaleUpVelocityThreshold !== undefined && velocity >= spec.scaleUpVelocityThreshold) spikeTrigger = 'velocity';
  else if (spec.scaleUpAccelerationThreshold !== undefined && acceleration >= spec.scaleUpAccelerationThreshold)
    spikeTrigger = 'acceleration';
  const mode: Mode = spikeTrigger === undefined ? 'normal' : 'spike';
  const liveRate = velocity + (trend * trendProjectionSeconds(mode, lead.seconds)) / 60;
  const profile = profileRateAhead(observations.profile, history, atMs, lead.seconds * 1000);
  const fromProfile = profile !== undefined && profile.rate > liveRate;
  const forecastRate = fromProfile ? profile.rate : liveRate;
  const mean = forecastRate * leadMinutes;
  // The epsilon keeps float noise (2.0000000001) from asking for a whole extra pod.
  const expectedDemand = Math.max(0, Math.ceil(mean - 1e-9));
  const dispersion = dispersionAt(history, atMs);
  const quantileTarget = warmCountFor({ mean: forecastRate * leadMinutes, dispersion }, spec.availability);
  const bufferTarget = spec.targetReadyPods + expectedDemand;

  const matched = windowTarget(spec, atMs, lead.seconds * 1000);
  const window: ActiveWindow | undefined =
    matched === undefined
      ? undefined
      : { index: matched.index, description: describeWindow(matched.window), target: matched.target, preScaled: matched.preScaled };

  let setBy: SizingTerm = quantileTarget > bufferTarget ? 'quantile' : 'buffer';
  let unclamped = Math.max(quantileTarget, bufferTarget);
  if (window !== undefined && window.target >= unclamped) {
    setBy = 'window';
    unclamped = window.target;
  }
  let replicas = unclamped;
  let limitedBy: Instant['limitedBy'];
  if (unclamped > spec.maxPoolSize) {
    replicas = spec.maxPoolSize;
    limitedBy = 'maxPoolSize';
  } else if (unclamped < spec.minPoolSize) {
    replicas = spec.minPoolSize;
    limitedBy = 'minPoolSize';
  }
  return {
    replicas,
    velocity,
    acceleration,
    trend,
    leadTimeSeconds: lead.seconds,
    leadTimeSource: lead.source,
    forecastRate,
    forecastSource: fromProfile ? 'profile' : 'live',
    expectedDemand,
    dispersion,
    availability: spec.availability,
    quantileTarget,
    setBy,
    mode,
    spikeTrigger,
    window,
    limitedBy,
  };
}

/** The number of past recommendations scale-down stabilization looks back over, one per bucket. */
export function historyBucketsNeeded(spec: PodPoolSpec, bucketSeconds: number): number {
  return Math.ceil((Math.max(LONG_WINDOW_SECONDS, DISPERSION_WINDOW_SECONDS) + spec.scaleDownStabilizationSeconds) / bucketSeconds) + 1;
}

export function recommend(spec: PodPoolSpec, observations: Observations, now: Date | number): Recommendation {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const current = recommendAt(spec, observations, nowMs);

  // Stabilization recomputes past recommendations from the same history instead of remembering
  // them, so every replica and every restart agrees on the answer.
  let held = current.replicas;
  const bucketMs = observations.history.bucketSeconds * 1000;
  const windowStart = nowMs - spec.scaleDownStabilizationSeconds * 1000;
  for (let t = Math.ceil(nowMs / bucketMs) * bucketMs - bucketMs; t >= windowStart; t -= bucketMs) {
    held = Math.max(held, recommendAt(spec, observations, t).replicas);
  }
  const stabilized = held > current.replicas;
  const waitingClaims = waitingOf(observations);
  // A recommendation from before the bounds changed must not escape them, nor may the back-orders.
  const desired = Math.min(Math.max(held + waitingClaims, spec.minPoolSize), spec.maxPoolSize);
  let { limitedBy } = current;
  if (held + waitingClaims > spec.maxPoolSize) limitedBy = 'maxPoolSize';
  else if (limitedBy === 'minPoolSize' && held + waitingClaims > spec.minPoolSize) limitedBy = undefined;

  const { replicas: recommendedNow, ...rest } = current;
  const recommendation = { ...rest, limitedBy, desiredReplicas: desired, recommendedNow, stabilized, waitingClaims };
  return { ...recommendation, reason: explain(spec, recommendation) };
}

function waitingOf(observations: Observations): number {
  const waiting = observations.waitingClaims;
  return waiting !== undefined && Number.isInteger(waiting) && waiting > 0 ? waiting : 0;
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function explain(spec: PodPoolSpec, r: Omit<Recommendation, 'reason'>): string {
  const rate =
    r.forecastSource === 'profile'
      ? `${round(r.forecastRate)}/min from the weekly profile (live ${round(r.velocity)}/min)`
      : r.trend > 0
        ? `${round(r.forecastRate)}/min (velocity ${round(r.velocity)}/min rising ${round(r.trend)}/min² over ${round(
            trendProjectionSeconds(r.mode, r.leadTimeSeconds),
          )}s)`
        : `${round(r.forecastRate)}/min`;
  const lead = `${round(r.leadTimeSeconds)}s${r.leadTimeSource === 'observed' ? ' (observed warm-ups)' : ''}`;
  const parts: string[] = [];
  if (r.setBy === 'window' && r.window !== undefined) {
    parts.push(
      r.window.preScaled
        ? `window ${r.window.description} starts within the ${round(r.leadTimeSeconds)}s lead time, target ${r.window.target}`
        : `window ${r.window.description} targets ${r.window.target}`,
    );
  } else if (r.setBy === 'quantile') {
    const bursty = r.dispersion > 1.005 ? `, bursty x${round(r.dispersion)}` : '';
    parts.push(`${round(r.availability * 100)}% availability: ${r.quantileTarget} cover the demand of ${lead} at ${rate}${bursty}`);
  } else {
    parts.push(`targetReadyPods ${spec.targetReadyPods} + ${r.expectedDemand} expected in ${lead} at ${rate}`);
  }
  if (r.mode === 'spike') {
    parts.push(
      r.spikeTrigger === 'velocity'
        ? `spike mode: velocity ${round(r.velocity)}/min >= ${spec.scaleUpVelocityThreshold ?? ''}`
        : `spike mode: acceleration ${round(r.acceleration)}/min² >= ${spec.scaleUpAccelerationThreshold ?? ''}`,
    );
  }
  if (r.stabilized) {
    parts.push(`held for scale-down stabilization (${spec.scaleDownStabilizationSeconds}s; ${r.recommendedNow} recommended now)`);
  }
  if (r.waitingClaims > 0) parts.push(`+ ${r.waitingClaims} for claims waiting for a pod`);
  if (r.limitedBy !== undefined) parts.push(`clamped to ${r.limitedBy} ${spec[r.limitedBy]}`);
  return `${r.desiredReplicas} warm pods: ${parts.join('; ')}`;
}
