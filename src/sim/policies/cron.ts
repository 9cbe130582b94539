/**
 * cron: the time windows alone, as KEDA's cron scaler applies them: a window's target from its
 * first minute (no lead time, so its pods are Ready one warm-up late), minPoolSize outside.
 * Knob: a factor on every window target, for users who over-provision to make up for that.
 */
import { windowTarget } from '../../scaling/time-windows.js';
import { clamp, type PolicyDefinition } from './policy.js';

const SWEEP = [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 6, 8];

export const cronPolicy: PolicyDefinition = {
  name: 'cron',
  summary: 'window targets only, from hourStart (KEDA cron); knob: factor on the targets, default 1',
  knob: { name: 'target factor', defaultValue: () => 1, sweepValues: () => SWEEP },
  create({ spec, knob }) {
    const factor = knob ?? 1;
    return {
      kind: 'polled',
      desiredWarmPods({ nowMs }) {
        const target = windowTarget(spec, nowMs, 0)?.target;
        return target === undefined ? spec.minPoolSize : clamp(Math.ceil(target * factor - 1e-9), spec.minPoolSize, spec.maxPoolSize);
      },
      reservationMade: () => {},
      podWarmedUp: () => {},
    };
  },
};
