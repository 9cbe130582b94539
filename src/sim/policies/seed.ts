/**
 * seed: the blog post's controller that podpool grew from, as written there:
 *   target = the active window's targetPoolSize (no lead time), else minPoolSize
 *   velocity = change of the *reserved count* over the last 5 minutes of samples (it falls when
 *              sessions end, even while new reservations keep coming)
 *   acceleration = velocity of the newer half of the samples minus that of the older half
 *   spike (velocity or acceleration above its threshold): target = calculateSpikeTarget(...)
 *   scale down only when ready > targetReadyPods, and then delete every ready pod past that many
 * The post shows neither calculateSpikeTarget nor getTimeBasedTarget; here the spike target is
 * target + ceil(velocity + acceleration) (one minute of demand at the accelerated rate), capped at
 * maxPoolSize. An unset threshold is 0, Go's zero value, as in the post's struct.
 */
import { windowTarget } from '../../scaling/time-windows.js';
import type { PolicyDefinition } from './policy.js';

const SAMPLE_WINDOW_MS = 5 * 60_000;

interface Sample {
  atMs: number;
  reserved: number;
}

/** Reserved-count change per minute from the first to the last sample; 0 with fewer than two. */
function velocityBetween(samples: readonly Sample[]): number {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || last.atMs === first.atMs) return 0;
  return (last.reserved - first.reserved) / ((last.atMs - first.atMs) / 60_000);
}

export const seedPolicy: PolicyDefinition = {
  name: 'seed',
  summary: 'the original blog controller: window target, spike target on thresholds, velocity of the reserved count',
  create({ spec }) {
    let samples: Sample[] = [];
    return {
      kind: 'polled',
      desiredWarmPods({ nowMs, readyPods, warmingPods, reservedPods }) {
        samples.push({ atMs: nowMs, reserved: reservedPods });
        samples = samples.filter((sample) => sample.atMs > nowMs - SAMPLE_WINDOW_MS);
        const velocity = velocityBetween(samples);
        const middle = Math.floor(samples.length / 2);
        const acceleration = samples.length >= 3 ? velocityBetween(samples.slice(middle)) - velocityBetween(samples.slice(0, middle)) : 0;

        let target = windowTarget(spec, nowMs, 0)?.target ?? spec.minPoolSize;
        if (velocity > (spec.scaleUpVelocityThreshold ?? 0) || acceleration > (spec.scaleUpAccelerationThreshold ?? 0)) {
          target = Math.min(spec.maxPoolSize, target + Math.max(0, Math.ceil(velocity + acceleration)));
        }
        const current = readyPods + warmingPods;
        if (current < target) return target;
        if (current > target && readyPods > spec.targetReadyPods) return warmingPods + spec.targetReadyPods;
        return current;
      },
      reservationMade: () => {},
      podWarmedUp: () => {},
    };
  },
};
