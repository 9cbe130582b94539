/**
 * The scaling engine: how many warm pods (warming + ready) a pool should have at `now`.
 * Pure: the controller, the scaler, the simulator and the benchmarks all call this one function
 * and get the same answer for the same input.
 *
 *   lead time L   = spec.warmupSeconds, else the observed warm-up, else 60 s
 *   window target = largest target of the windows active now or starting within L (pre-scaling)
 *   projected rate = velocity + max(0, acceleration) * L          (reservations/min at now + L)
 *   expected      = ceil(projected rate * L)                       (spike mode: over 2L)
 *   recommended   = clamp(max(window target, targetReadyPods + expected), minPoolSize, maxPoolSize)
 *   desired       = the highest recommendation over the last scaleDownStabilizationSeconds
 *
 * Spike mode starts when velocity or acceleration reaches its threshold; it plans for two lead
 * times of demand so the pool grows ahead of a ramp instead of one warm-up behind it.
 */
import type { PodPoolSpec } from '../api/schema.js';
import { LONG_WINDOW_SECONDS, rateAt } from './rate.js';
import type { ReservationHistory } from './reservation-history.js';
import { describeWindow, windowTarget } from './time-windows.js';

export const DEFAULT_LEAD_TIME_SECONDS = 60;
export const SPIKE_HORIZON_FACTOR = 2;

export interface Observations {
  history: ReservationHistory;
  /** Recent warm-up time measured by the controller; used when spec.warmupSeconds is unset. */
  observedWarmupSeconds?: number | undefined;
}

export type Mode = 'normal' | 'spike';

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
  leadTimeSeconds: number;
  leadTimeSource: 'spec' | 'observed' | 'default';
  expectedDemand: number;
  mode: Mode;
  spikeTrigger?: 'velocity' | 'acceleration' | undefined;
  window?: ActiveWindow | undefined;
  limitedBy?: 'minPoolSize' | 'maxPoolSize' | undefined;
  stabilized: boolean;
  reason: string;
}

export function leadTime(spec: PodPoolSpec, observations: Observations): { seconds: number; source: Recommendation['leadTimeSource'] } {
  if (spec.warmupSeconds !== undefined) return { seconds: spec.warmupSeconds, source: 'spec' };
  const observed = observations.observedWarmupSeconds;
  if (observed !== undefined && Number.isFinite(observed) && observed > 0) return { seconds: observed, source: 'observed' };
  return { seconds: DEFAULT_LEAD_TIME_SECONDS, source: 'default' };
}

type Instant = Omit<Recommendation, 'desiredReplicas' | 'recommendedNow' | 'stabilized' | 'reason'> & { replicas: number };

function recommendAt(spec: PodPoolSpec, observations: Observations, atMs: number): Instant {
  const lead = leadTime(spec, observations);
  const leadMinutes = lead.seconds / 60;
  const { velocity, acceleration } = rateAt(observations.history, atMs);

  let spikeTrigger: Instant['spikeTrigger'];
  if (spec.scaleUpVelocityThreshold !== undefined && velocity >= spec.scaleUpVelocityThreshold) spikeTrigger = 'velocity';
  else if (spec.scaleUpAccelerationThreshold !== undefined && acceleration >= spec.scaleUpAccelerationThreshold) spikeTrigger = 'acceleration';
  const mode: Mode = spikeTrigger === undefined ? 'normal' : 'spike';

  const projectedRate = velocity + Math.max(0, acceleration) * leadMinutes;
  const horizonMinutes = mode === 'spike' ? SPIKE_HORIZON_FACTOR * leadMinutes : leadMinutes;
  // The epsilon keeps float noise (2.0000000001) from asking for a whole extra pod.
  const expectedDemand = Math.max(0, Math.ceil(projectedRate * horizonMinutes - 1e-9));

  const matched = windowTarget(spec, atMs, lead.seconds * 1000);
  const window: ActiveWindow | undefined =
    matched === undefined
      ? undefined
      : { index: matched.index, description: describeWindow(matched.window), target: matched.target, preScaled: matched.preScaled };

  const unclamped = Math.max(window?.target ?? 0, spec.targetReadyPods + expectedDemand);
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
    leadTimeSeconds: lead.seconds,
    leadTimeSource: lead.source,
    expectedDemand,
    mode,
    spikeTrigger,
    window,
    limitedBy,
  };
}

/** The number of past recommendations scale-down stabilization looks back over, one per bucket. */
export function historyBucketsNeeded(spec: PodPoolSpec, bucketSeconds: number): number {
  return Math.ceil((LONG_WINDOW_SECONDS + spec.scaleDownStabilizationSeconds) / bucketSeconds) + 1;
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
  // A recommendation from before the bounds changed must not escape them.
  held = Math.min(Math.max(held, spec.minPoolSize), spec.maxPoolSize);
  const stabilized = held > current.replicas;

  const { replicas: recommendedNow, ...rest } = current;
  const recommendation = { ...rest, desiredReplicas: held, recommendedNow, stabilized };
  return { ...recommendation, reason: explain(spec, recommendation) };
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function explain(spec: PodPoolSpec, r: Omit<Recommendation, 'reason'>): string {
  const demandTarget = spec.targetReadyPods + r.expectedDemand;
  const horizon = r.mode === 'spike' ? SPIKE_HORIZON_FACTOR * r.leadTimeSeconds : r.leadTimeSeconds;
  const demand = `targetReadyPods ${spec.targetReadyPods} + ${r.expectedDemand} expected in ${round(horizon)}s at ${round(r.velocity)}/min`;
  const parts: string[] = [];
  if (r.window !== undefined && r.window.target >= demandTarget) {
    parts.push(
      r.window.preScaled
        ? `window ${r.window.description} starts within the ${round(r.leadTimeSeconds)}s lead time, target ${r.window.target}`
        : `window ${r.window.description} targets ${r.window.target}`,
    );
  } else {
    parts.push(demand);
  }
  if (r.mode === 'spike') {
    parts.push(
      r.spikeTrigger === 'velocity'
        ? `spike mode: velocity ${round(r.velocity)}/min >= ${spec.scaleUpVelocityThreshold ?? ''}`
        : `spike mode: acceleration ${round(r.acceleration)}/min² >= ${spec.scaleUpAccelerationThreshold ?? ''}`,
    );
  }
  if (r.limitedBy !== undefined) parts.push(`clamped to ${r.limitedBy} ${spec[r.limitedBy]}`);
  if (r.stabilized) {
    parts.push(`held for scale-down stabilization (${spec.scaleDownStabilizationSeconds}s; ${r.recommendedNow} recommended now)`);
  }
  return `${r.desiredReplicas} warm pods: ${parts.join('; ')}`;
}
