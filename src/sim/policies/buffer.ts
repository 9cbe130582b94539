/** buffer: a fixed number of warm pods, whatever the demand (Agones' Buffer policy, absolute bufferSize). */
import type { PodPoolSpec } from '../../api/schema.js';
import { clamp, type PolicyDefinition } from './policy.js';

const SWEEP = [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 200];

/** What a user without podpool would size a static pool for: the largest window target, else the ready buffer. */
function peakTarget(spec: PodPoolSpec): number {
  const targets = (spec.timeBasedScaling ?? []).map((window) => window.targetPoolSize);
  return Math.max(spec.targetReadyPods, spec.minPoolSize, ...targets);
}

export const bufferPolicy: PolicyDefinition = {
  name: 'buffer',
  summary: 'a fixed warm buffer (Agones Buffer); knob: warm pods, default the largest window target',
  knob: {
    name: 'warm pods',
    defaultValue: peakTarget,
    sweepValues: (spec) => SWEEP.filter((value) => value <= spec.maxPoolSize),
  },
  create({ spec, knob }) {
    const size = clamp(Math.round(knob ?? peakTarget(spec)), 0, spec.maxPoolSize);
    return { kind: 'polled', desiredWarmPods: () => size, reservationMade: () => {}, podWarmedUp: () => {} };
  },
};
