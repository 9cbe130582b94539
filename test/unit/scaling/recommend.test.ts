import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { PodPoolSpec } from '../../../src/api/schema.js';
import { DEFAULT_LEAD_TIME_SECONDS, leadTime, recommend } from '../../../src/scaling/recommend.js';
import { emptyHistory, recordReservations, type ReservationHistory } from '../../../src/scaling/reservation-history.js';
import { windowTarget } from '../../../src/scaling/time-windows.js';
import { at, makeSpec } from '../support/spec.js';

const NOW = at('2026-01-05T10:00:00Z'); // a Monday

/** `perMinute[i]` reservations in minute i (oldest first) of the minutes before NOW. */
function history(perMinute: number[], now = NOW): ReservationHistory {
  let h = emptyHistory(now - perMinute.length * 60_000);
  perMinute.forEach((count, minute) => {
    const start = now - (perMinute.length - minute) * 60_000;
    for (let i = 0; i < count; i += 1) h = recordReservations(h, start + 1 + (i * 60_000) / count, 1, 200);
  });
  return h;
}

const quiet = { history: emptyHistory(NOW) };

describe('recommend', () => {
  it('keeps the ready buffer when nothing happens', () => {
    const r = recommend(makeSpec({ targetReadyPods: 3 }), quiet, NOW);
    expect(r).toMatchObject({ desiredReplicas: 3, velocity: 0, acceleration: 0, expectedDemand: 0, mode: 'normal', stabilized: false });
    expect(r.reason).toBe('3 warm pods: targetReadyPods 3 + 0 expected in 60s at 0/min');
    expect(r.setBy).toBe('buffer');
  });

  it("sizes the buffer by the demand expected during one lead time (Little's law)", () => {
    // At 50 % availability the median is the quantile, so the buffer term shows.
    const spec = makeSpec({ targetReadyPods: 2, warmupSeconds: 120, availability: 0.5 });
    const r = recommend(spec, { history: history([6, 6, 6, 6, 6]) }, NOW);
    expect(r.velocity).toBeCloseTo(6);
    expect(r.expectedDemand).toBe(12); // 6/min over 2 minutes
    expect(r.desiredReplicas).toBe(14);
  });

  it('projects a significantly rising rate over the lead time', () => {
    const spec = makeSpec({ targetReadyPods: 0, warmupSeconds: 60, availability: 0.5 });
    const r = recommend(spec, { history: history([2, 8, 14, 20, 26]) }, NOW);
    // velocity 15.8 (the last minute's 26 read at its lower bound) + trend (slope 6 less two
    // standard errors, 2.51) * 1 minute
    expect(r.velocity).toBeCloseTo(26 - 2 * Math.sqrt(26));
    expect(r.trend).toBeCloseTo(6 - 2 * Math.sqrt(r.velocity / 10));
    expect(r.expectedDemand).toBe(20);
    expect(r.reason).toContain('rising 3.49/min² over 60s');
  });

  it('does not project a rise that is within the noise of the slope', () => {
    const spec = makeSpec({ targetReadyPods: 0, warmupSeconds: 60, availability: 0.5 });
    const r = recommend(spec, { history: history([5, 3, 6, 4, 7]) }, NOW);
    expect(r.trend).toBe(0);
    expect(r.expectedDemand).toBe(5);
  });

  it('does not shrink the buffer for a falling rate beyond the velocity itself', () => {
    const spec = makeSpec({ targetReadyPods: 0, warmupSeconds: 60 });
    const r = recommend(spec, { history: history([10, 8, 6, 4, 2]) }, NOW);
    expect(r.acceleration).toBeLessThan(0);
    expect(r.expectedDemand).toBe(Math.ceil(r.velocity));
  });

  it('enters spike mode on velocity or acceleration and projects the trend over two lead times', () => {
    const spec = makeSpec({
      targetReadyPods: 1,
      warmupSeconds: 60,
      scaleUpVelocityThreshold: 5,
      scaleUpAccelerationThreshold: 3,
      availability: 0.5,
    });
    const steady = recommend(spec, { history: history([4, 4, 4, 4, 4]) }, NOW);
    expect(steady).toMatchObject({ mode: 'normal', expectedDemand: 4, desiredReplicas: 5 });
    const fast = recommend(spec, { history: history([6, 6, 6, 6, 6]) }, NOW);
    // A steady rate has no trend to project: spike mode costs nothing there.
    expect(fast).toMatchObject({ mode: 'spike', spikeTrigger: 'velocity', expectedDemand: 6, desiredReplicas: 7 });
    expect(fast.reason).toContain('spike mode: velocity 6/min >= 5');
    const climbing = recommend(spec, { history: history([2, 8, 14, 20, 26]) }, NOW);
    // velocity 15.8 + trend 3.49 over two minutes
    expect(climbing).toMatchObject({ mode: 'spike', expectedDemand: 23, desiredReplicas: 24 });
    expect(climbing.reason).toContain('rising 3.49/min² over 120s');
    const ramp = recommend(spec, { history: history([0, 1, 2, 3, 4]) }, NOW);
    expect(ramp).toMatchObject({ mode: 'normal' });
    const jump = recommend(makeSpec({ warmupSeconds: 60, scaleUpAccelerationThreshold: 1 }), { history: history([0, 1, 2, 3, 4]) }, NOW);
    expect(jump).toMatchObject({ mode: 'spike', spikeTrigger: 'acceleration' });
    expect(jump.reason).toContain('spike mode: acceleration 1/min² >= 1');
  });

  it('adds the claims waiting for a pod on top of the stabilized count, within maxPoolSize', () => {
    const spec = makeSpec({ targetReadyPods: 3, maxPoolSize: 10 });
    const none = recommend(spec, { history: emptyHistory(NOW) }, NOW);
    const waiting = recommend(spec, { history: emptyHistory(NOW), waitingClaims: 4 }, NOW);
    expect(waiting).toMatchObject({ desiredReplicas: none.desiredReplicas + 4, recommendedNow: none.recommendedNow, waitingClaims: 4 });
    expect(waiting.reason).toBe('7 warm pods: targetReadyPods 3 + 0 expected in 60s at 0/min; + 4 for claims waiting for a pod');
    const crowd = recommend(spec, { history: emptyHistory(NOW), waitingClaims: 40 }, NOW);
    expect(crowd).toMatchObject({ desiredReplicas: 10, limitedBy: 'maxPoolSize' });
    expect(crowd.reason).toContain('+ 40 for claims waiting for a pod; clamped to maxPoolSize 10');
    // Nonsense from a hand-edited status counts as none.
    expect(recommend(spec, { history: emptyHistory(NOW), waitingClaims: -2 }, NOW).desiredReplicas).toBe(none.desiredReplicas);
    // minPoolSize is a floor of the warm count for users to come; waiting claims come on top of it.
    const floored = makeSpec({ targetReadyPods: 0, minPoolSize: 2 });
    expect(recommend(floored, { history: emptyHistory(NOW) }, NOW).limitedBy).toBe('minPoolSize');
    expect(recommend(floored, { history: emptyHistory(NOW), waitingClaims: 5 }, NOW)).toMatchObject({
      desiredReplicas: 7,
      limitedBy: undefined,
    });
  });

  it('keeps the availability quantile of the demand over the lead time (exact Poisson)', () => {
    // 6/min steady over a 5-minute lead time: Poisson(30), whose 99 % count is 44 (sizing notes).
    const spec = makeSpec({ targetReadyPods: 2, warmupSeconds: 300 });
    const r = recommend(spec, { history: history([6, 6, 6, 6, 6, 6, 6, 6, 6, 6]) }, NOW);
    expect(r.velocity).toBeCloseTo(6);
    expect(r).toMatchObject({ setBy: 'quantile', quantileTarget: 44, desiredReplicas: 44, expectedDemand: 30, dispersion: 1 });
    expect(r.reason).toBe('44 warm pods: 99% availability: 44 cover the demand of 300s at 6/min');
    expect(
      recommend({ ...spec, availability: 0.999 }, { history: history([6, 6, 6, 6, 6, 6, 6, 6, 6, 6]) }, NOW).desiredReplicas,
    ).toBeGreaterThan(44);
    expect(
      recommend({ ...spec, availability: 0.9 }, { history: history([6, 6, 6, 6, 6, 6, 6, 6, 6, 6]) }, NOW).desiredReplicas,
    ).toBeLessThan(44);
  });

  it('widens the quantile for bursty demand and says so', () => {
    const spec = makeSpec({ targetReadyPods: 0, warmupSeconds: 60 });
    const steady = recommend(spec, { history: history([6, 6, 6, 6, 6, 6, 6, 6, 6, 6]) }, NOW);
    // The same 60 reservations in 10 minutes, arriving in clumps of 15 at once.
    let clumped = emptyHistory(NOW - 600_000);
    for (const minute of [1, 4, 6, 9]) clumped = recordReservations(clumped, NOW - 600_000 + minute * 60_000 + 5_000, 15, 200);
    const bursty = recommend(spec, { history: clumped }, NOW - 1);
    expect(bursty.dispersion).toBeGreaterThan(3);
    expect(bursty.quantileTarget).toBeGreaterThan(steady.quantileTarget);
    expect(bursty.reason).toMatch(/bursty x\d/);
  });

  it('takes the lead time from the 90th percentile of observed warm-ups', () => {
    const samples = [60, 62, 64, 66, 68, 70, 72, 74, 76, 200];
    expect(leadTime(makeSpec(), { history: emptyHistory(NOW), warmupSamples: samples, observedWarmupSeconds: 70 })).toEqual({
      seconds: 76,
      source: 'observed',
    });
    expect(leadTime(makeSpec(), { history: emptyHistory(NOW), warmupSamples: [90, 95], observedWarmupSeconds: 70 })).toEqual({
      seconds: 70,
      source: 'observed',
    });
    expect(leadTime(makeSpec({ warmupSeconds: 30 }), { history: emptyHistory(NOW), warmupSamples: samples })).toEqual({
      seconds: 30,
      source: 'spec',
    });
  });

  it('never triggers spike mode when the thresholds are unset', () => {
    expect(recommend(makeSpec(), { history: history([50, 80, 120]) }, NOW).mode).toBe('normal');
  });

  it('uses the window target when it is larger, and pre-scales for it', () => {
    const spec = makeSpec({ warmupSeconds: 120, timeBasedScaling: [{ hourStart: 10, hourEnd: 12, targetPoolSize: 30 }] });
    expect(recommend(spec, quiet, NOW)).toMatchObject({ desiredReplicas: 30, window: { target: 30, preScaled: false } });
    const before = recommend(spec, { history: emptyHistory(NOW - 100_000) }, NOW - 100_000);
    expect(before).toMatchObject({ desiredReplicas: 30, window: { preScaled: true } });
    expect(before.reason).toBe('30 warm pods: window 10-12 starts within the 120s lead time, target 30');
    expect(recommend(spec, { history: emptyHistory(NOW - 121_000) }, NOW - 121_000).desiredReplicas).toBe(2);
  });

  it('clamps to [minPoolSize, maxPoolSize] and says so', () => {
    const max = recommend(makeSpec({ maxPoolSize: 5, warmupSeconds: 60 }), { history: history([20, 20, 20, 20, 20]) }, NOW);
    expect(max).toMatchObject({ desiredReplicas: 5, limitedBy: 'maxPoolSize' });
    expect(max.reason).toContain('clamped to maxPoolSize 5');
    const min = recommend(makeSpec({ minPoolSize: 4, targetReadyPods: 1 }), quiet, NOW);
    expect(min).toMatchObject({ desiredReplicas: 4, limitedBy: 'minPoolSize' });
  });

  it('stabilizes scale-down over scaleDownStabilizationSeconds but scales up at once', () => {
    const spec = makeSpec({ targetReadyPods: 1, warmupSeconds: 60, scaleDownStabilizationSeconds: 300 });
    // A burst 4 minutes ago is out of the one-minute window but inside the stabilization window.
    const burst = history([30, 0, 0, 0, 0]);
    const r = recommend(spec, { history: burst }, NOW);
    expect(r.stabilized).toBe(true);
    expect(r.desiredReplicas).toBeGreaterThan(r.recommendedNow);
    expect(r.reason).toContain('held for scale-down stabilization (300s;');
    const unstabilized = recommend({ ...spec, scaleDownStabilizationSeconds: 0 }, { history: burst }, NOW);
    expect(unstabilized.desiredReplicas).toBe(r.recommendedNow);
    // Ten minutes later the burst has aged out of both windows.
    expect(recommend(spec, { history: burst }, NOW + 600_000).desiredReplicas).toBe(1);
  });

  it('takes the lead time from the spec, then the observed warm-up, then the default', () => {
    expect(leadTime(makeSpec({ warmupSeconds: 30 }), { history: emptyHistory(NOW), observedWarmupSeconds: 80 })).toEqual({
      seconds: 30,
      source: 'spec',
    });
    expect(leadTime(makeSpec(), { history: emptyHistory(NOW), observedWarmupSeconds: 80 })).toEqual({ seconds: 80, source: 'observed' });
    expect(leadTime(makeSpec(), { history: emptyHistory(NOW), observedWarmupSeconds: Number.NaN })).toEqual({
      seconds: DEFAULT_LEAD_TIME_SECONDS,
      source: 'default',
    });
  });

  it('answers from the given instant whatever the system clock says (no clock inside)', () => {
    // Read at the wrong time, the history (the last 8 minutes), the window and the stabilization
    // would all give another answer.
    const spec = makeSpec({
      scaleDownStabilizationSeconds: 300,
      warmupSeconds: 90,
      timeBasedScaling: [{ hourStart: 12, hourEnd: 13, targetPoolSize: 40 }],
    });
    const h = history([3, 1, 4, 1, 5, 9, 2, 6]);
    vi.useFakeTimers();
    try {
      vi.setSystemTime(NOW);
      const answer = recommend(spec, { history: h }, NOW);
      for (const systemTime of [NOW + 2 * 3_600_000 + 60_000, NOW - 86_400_000, 0]) {
        vi.setSystemTime(systemTime);
        expect(recommend(spec, { history: h }, NOW)).toEqual(answer);
      }
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('recommend (properties)', () => {
  const windowArb = fc.record({
    hourStart: fc.integer({ min: 0, max: 23 }),
    hourEnd: fc.integer({ min: 0, max: 24 }),
    targetPoolSize: fc.integer({ min: 0, max: 60 }),
    days: fc.option(fc.subarray(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const), { nil: undefined }),
  });
  const specArb = fc
    .record({
      minPoolSize: fc.integer({ min: 0, max: 20 }),
      span: fc.integer({ min: 0, max: 60 }),
      targetReadyPods: fc.integer({ min: 0, max: 10 }),
      scaleUpVelocityThreshold: fc.option(fc.double({ min: 0.1, max: 20, noNaN: true }), { nil: undefined }),
      scaleUpAccelerationThreshold: fc.option(fc.double({ min: 0.1, max: 20, noNaN: true }), { nil: undefined }),
      timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'),
      warmupSeconds: fc.option(fc.integer({ min: 1, max: 900 }), { nil: undefined }),
      scaleDownStabilizationSeconds: fc.integer({ min: 0, max: 900 }),
      windows: fc.array(windowArb, { maxLength: 4 }),
    })
    .map(({ span, windows, ...rest }): PodPoolSpec => {
      const maxPoolSize = Math.max(1, rest.minPoolSize + span);
      return makeSpec({
        ...rest,
        maxPoolSize,
        timeBasedScaling: windows
          .filter((w) => w.hourStart !== w.hourEnd)
          .map((w) => ({ ...w, targetPoolSize: Math.min(Math.max(w.targetPoolSize, rest.minPoolSize), maxPoolSize) })),
      });
    });
  const demandArb = fc.array(fc.nat({ max: 40 }), { maxLength: 30 });
  const nowArb = fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2026-12-31T00:00:00Z') });

  it('always answers within [minPoolSize, maxPoolSize]', () => {
    fc.assert(
      fc.property(specArb, demandArb, nowArb, (spec, demand, now) => {
        const { desiredReplicas } = recommend(spec, { history: history(demand, now) }, now);
        expect(Number.isInteger(desiredReplicas)).toBe(true);
        expect(desiredReplicas).toBeGreaterThanOrEqual(spec.minPoolSize);
        expect(desiredReplicas).toBeLessThanOrEqual(spec.maxPoolSize);
      }),
    );
  });

  it("never goes below the active window's target", () => {
    fc.assert(
      fc.property(specArb, demandArb, nowArb, (spec, demand, now) => {
        const active = windowTarget(spec, now, 0);
        const { desiredReplicas } = recommend(spec, { history: history(demand, now) }, now);
        if (active !== undefined) expect(desiredReplicas).toBeGreaterThanOrEqual(active.target);
      }),
    );
  });

  it('is monotone in demand: more reservations just now, or the same demand scaled up, never ask for fewer pods', () => {
    fc.assert(
      fc.property(
        specArb,
        demandArb,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 2, max: 4 }),
        nowArb,
        (spec, demand, extra, factor, now) => {
          const base = history(demand, now);
          const { desiredReplicas } = recommend(spec, { history: base }, now);
          const more = recordReservations(base, now, extra, 200);
          expect(recommend(spec, { history: more }, now).desiredReplicas).toBeGreaterThanOrEqual(desiredReplicas);
          const scaled = history(
            demand.map((count) => count * factor),
            now,
          );
          expect(recommend(spec, { history: scaled }, now).desiredReplicas).toBeGreaterThanOrEqual(desiredReplicas);
        },
      ),
    );
  });

  it('never scales down below what it recommended within the stabilization window', () => {
    fc.assert(
      fc.property(specArb, demandArb, nowArb, fc.integer({ min: 1, max: 900 }), (spec, demand, now, step) => {
        const h = history(demand, now);
        const earlier = recommend(spec, { history: h }, now - step * 1000);
        const later = recommend(spec, { history: h }, now);
        // Only a recommendation at a bucket boundary inside the window is remembered.
        const boundary = Math.ceil((now - step * 1000) / 15_000) * 15_000;
        if (boundary >= now - spec.scaleDownStabilizationSeconds * 1000 && boundary < now) {
          const atBoundary = recommend(spec, { history: h }, boundary);
          expect(later.desiredReplicas).toBeGreaterThanOrEqual(Math.min(atBoundary.recommendedNow, spec.maxPoolSize));
        }
        expect(earlier.desiredReplicas).toBeGreaterThanOrEqual(spec.minPoolSize);
      }),
    );
  });
});
