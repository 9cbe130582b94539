/**
 * floor: only what the spec itself asks for, with no demand signal at all: the window targets
 * (pre-scaled by the lead time, as podpool does), minPoolSize and targetReadyPods. The least a
 * podpool pool can cost; podpool's cost above it is what it spends on the demand it measures.
 */
import { windowTarget } from '../../scaling/time-windows.js';
import { clamp, configuredLeadSeconds, type PolicyDefinition } from './policy.js';

export const floorPolicy: PolicyDefinition = {
  name: 'floor',
  summary: "the spec's own minimums: window targets (pre-scaled), minPoolSize, targetReadyPods; no demand signal",
  create({ spec }) {
    const leadMs = configuredLeadSeconds(spec) * 1000;
    return {
      kind: 'polled',
      desiredWarmPods({ nowMs }) {
        const window = windowTarget(spec, nowMs, leadMs)?.target ?? 0;
        return clamp(Math.max(window, spec.minPoolSize, spec.targetReadyPods), spec.minPoolSize, spec.maxPoolSize);
      },
      reservationMade: () => {},
      podWarmedUp: () => {},
    };
  },
};
