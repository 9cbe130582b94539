/**
 * oracle: knows every arrival and every warm-up in advance and creates each reservation's pod
 * exactly one warm-up before it arrives, so the pod turns ready at the instant it is reserved.
 * No reservation is cold and no pod idles ready: its cost (the warm-ups alone) is the least any
 * policy can pay for zero cold reservations.
 */
import type { PlannedPod, PolicyDefinition } from './policy.js';

export const oraclePolicy: PolicyDefinition = {
  name: 'oracle',
  summary: 'knows the future: one pod per reservation, created one warm-up before it arrives (the cost floor)',
  create({ scenario }) {
    const pods: PlannedPod[] = Array.from(scenario.arrivalsMs, (arrivalMs, index) => {
      const warmupMs = scenario.warmupMs(index);
      return { createMs: arrivalMs - warmupMs, warmupMs };
    });
    return { kind: 'scheduled', pods: pods.sort((a, b) => a.createMs - b.createMs) };
  },
};
