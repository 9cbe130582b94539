/**
 * reactive: an HPA on the reservation rate. Every poll it wants ceil(rate over the last minute *
 * hold seconds) warm pods, i.e. enough to serve `hold` seconds of current demand, and scales down
 * only to the highest recommendation of the last 300 s (the HPA's default stabilization).
 * Knob: hold seconds, default the pool's warm-up (Little's law: rate x lead time).
 */
import { clamp, configuredLeadSeconds, type PolicyDefinition } from './policy.js';

const RATE_WINDOW_MS = 60_000;
const STABILIZATION_MS = 300_000;
const SWEEP = [15, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800];

export const reactivePolicy: PolicyDefinition = {
  name: 'reactive',
  summary: 'HPA-style: last-minute reservation rate x hold seconds, 300 s scale-down stabilization; knob: hold seconds',
  knob: { name: 'hold seconds', defaultValue: configuredLeadSeconds, sweepValues: () => SWEEP },
  create({ spec, knob }) {
    const holdSeconds = knob ?? configuredLeadSeconds(spec);
    const reservations: number[] = [];
    let oldestReservation = 0;
    const recommendations: Array<{ atMs: number; replicas: number }> = [];
    return {
      kind: 'polled',
      desiredWarmPods({ nowMs }) {
        while (oldestReservation < reservations.length && (reservations[oldestReservation] as number) <= nowMs - RATE_WINDOW_MS)
          oldestReservation += 1;
        const perSecond = (reservations.length - oldestReservation) / (RATE_WINDOW_MS / 1000);
        const replicas = clamp(Math.ceil(perSecond * holdSeconds - 1e-9), spec.minPoolSize, spec.maxPoolSize);
        recommendations.push({ atMs: nowMs, replicas });
        while ((recommendations[0]?.atMs ?? nowMs) < nowMs - STABILIZATION_MS) recommendations.shift();
        if (oldestReservation > 4096) {
          reservations.splice(0, oldestReservation);
          oldestReservation = 0;
        }
        return recommendations.reduce((highest, r) => Math.max(highest, r.replicas), 0);
      },
      reservationMade(atMs) {
        reservations.push(atMs);
      },
      podWarmedUp: () => {},
    };
  },
};
