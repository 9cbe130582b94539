import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runComparison } from '../../../src/sim/compare.js';
import { parseDistribution } from '../../../src/sim/distribution.js';
import { POLICIES, policyNamed } from '../../../src/sim/policies/index.js';
import { policyReport } from '../../../src/sim/report.js';
import { simulate } from '../../../src/sim/simulator.js';
import { makeSpec } from '../support/spec.js';
import { secondsScenario, START } from './support.js';

const spec = makeSpec({ targetReadyPods: 1, minPoolSize: 0, maxPoolSize: 50, warmupSeconds: 60 });

describe('simulate: hand-checked accounting', () => {
  it('serves an arrival from a ready pod and counts the idle time of every unreserved pod', () => {
    // Pre-roll poll at -600 s creates pod 0 (ready at -540). The arrival at 300 s takes it; the
    // poll at 300 s replaces it with pod 1, warming until 360 s, when the 6-minute trace ends.
    const scenario = secondsScenario([300]);
    const outcome = simulate(policyNamed('buffer').create({ spec, scenario, knob: 1 }), scenario);
    expect(outcome.coldReservations).toBe(0);
    expect(Array.from(outcome.waitsMs)).toEqual([0]);
    expect(outcome.unreservedPodMs).toBe((900 + 60) * 1000);
    expect(outcome.podsCreated).toBe(2);
    expect(outcome.peakPods).toBe(2);
  });

  it('makes a reservation with no ready pod wait, first come first served, for the next pod to turn ready', () => {
    // Nothing is warm. The arrival at 0 s waits; the poll at 0 s creates pod 0 for it (ready at
    // 60 s). The arrival at 10 s waits too; the poll at 15 s creates pod 1 (ready at 75 s).
    const scenario = secondsScenario([0, 10], { session: '100' });
    const outcome = simulate(policyNamed('buffer').create({ spec, scenario, knob: 0 }), scenario);
    expect(outcome.coldReservations).toBe(2);
    expect(Array.from(outcome.waitsMs)).toEqual([60_000, 65_000]);
    expect(outcome.unreservedPodMs).toBe(120_000);
    expect(outcome.podsCreated).toBe(2);
    expect(Array.from(outcome.timeline.coldReservations)).toEqual([2]);

    const report = policyReport('buffer', outcome, 120_000);
    expect(report).toMatchObject({
      reservations: 2,
      warm: 0,
      cold: 2,
      coldRate: 1,
      waitP50Seconds: 60,
      waitP99Seconds: 65,
      waitMaxSeconds: 65,
    });
    expect(report).toMatchObject({ unreservedPodMinutes: 2, costVsOracle: 1 });
  });

  it('tells a polled policy of each refused reservation when it arrives, and of its reservation when served', () => {
    const scenario = secondsScenario([0, 10], { session: '100' });
    const events: string[] = [];
    const outcome = simulate(
      {
        kind: 'polled',
        desiredWarmPods: () => 0,
        reservationMade: (atMs) => events.push(`made ${(atMs - START) / 1000}`),
        reservationRefused: (atMs) => events.push(`refused ${(atMs - START) / 1000}`),
        podWarmedUp: () => undefined,
      },
      scenario,
    );
    expect(outcome.coldReservations).toBe(2);
    expect(events).toEqual(['refused 0', 'refused 10', 'made 60', 'made 75']);
  });

  it('gives the oracle one pod per reservation, ready at the instant it arrives', () => {
    const scenario = secondsScenario([0, 10, 10, 200], { warmup: '45' });
    const outcome = simulate(policyNamed('oracle').create({ spec, scenario }), scenario);
    expect(outcome.coldReservations).toBe(0);
    expect(outcome.unreservedPodMs).toBe(4 * 45_000);
    expect(outcome.podsCreated).toBe(4);
  });

  it('averages ready and warming pods per minute of the trace for the chart', () => {
    const scenario = secondsScenario([90]);
    const outcome = simulate(policyNamed('buffer').create({ spec, scenario, knob: 2 }), scenario);
    // Two pods ready all of minute 0; at 90 s one is reserved and its replacement warms until 150 s.
    expect(Array.from(outcome.timeline.readyPods)).toEqual([2, 1.5]);
    expect(Array.from(outcome.timeline.warmingPods)).toEqual([0, 0.5]);
  });
});

const arrivalLists = fc.array(fc.integer({ min: 0, max: 3 * 3600 }), { minLength: 1, maxLength: 120 });

describe('simulate: properties', () => {
  it('never leaves an oracle reservation cold, and its cost is exactly the warm-ups', () => {
    fc.assert(
      fc.property(arrivalLists, fc.constantFrom('30', '60-120', 'lognormal:90,240'), fc.nat(1000), (arrivals, warmup, seed) => {
        const scenario = secondsScenario(arrivals, { warmup, seed });
        const outcome = simulate(policyNamed('oracle').create({ spec, scenario }), scenario);
        const warmups = arrivals.reduce((sum, _, index) => sum + scenario.warmupMs(index), 0);
        expect(outcome.coldReservations).toBe(0);
        expect(outcome.unreservedPodMs).toBe(warmups);
      }),
      { numRuns: 60 },
    );
  });

  it('costs every policy at least what the oracle pays', () => {
    const poolSpec = makeSpec({
      minPoolSize: 0,
      maxPoolSize: 40,
      targetReadyPods: 1,
      warmupSeconds: 60,
      scaleUpVelocityThreshold: 3,
      timeBasedScaling: [{ hourStart: 1, hourEnd: 2, targetPoolSize: 5 }],
    });
    fc.assert(
      fc.property(arrivalLists, fc.nat(1000), fc.constantFrom('60', '20-90'), (arrivals, seed, warmup) => {
        const scenario = secondsScenario(arrivals, { seed, warmup });
        const oracle = simulate(policyNamed('oracle').create({ spec: poolSpec, scenario }), scenario);
        for (const definition of POLICIES) {
          const outcome = simulate(definition.create({ spec: poolSpec, scenario }), scenario);
          expect(outcome.unreservedPodMs).toBeGreaterThanOrEqual(oracle.unreservedPodMs);
          expect(outcome.waitsMs.length).toBe(arrivals.length);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('never makes a reservation wait longer than one poll plus one warm-up, even when the policy wants no pods', () => {
    fc.assert(
      fc.property(arrivalLists, fc.integer({ min: 0, max: 6 }), (arrivals, size) => {
        const scenario = secondsScenario(arrivals);
        const outcome = simulate(policyNamed('buffer').create({ spec, scenario, knob: size }), scenario);
        const waits = Array.from(outcome.waitsMs);
        expect(outcome.coldReservations).toBeGreaterThanOrEqual(waits.filter((wait) => wait > 0).length);
        expect(Math.max(...waits)).toBeLessThanOrEqual(15_000 + 60_000);
        if (size === 0) expect(outcome.coldReservations).toBe(arrivals.length);
      }),
      { numRuns: 50 },
    );
  });
});

describe('runComparison', () => {
  const trace = { format: 'per-minute' as const, counts: [0, 3, 8, 2, 0, 5, 1, 0, 0, 4] };
  const options = {
    spec: makeSpec({ minPoolSize: 1, maxPoolSize: 30, targetReadyPods: 2, warmupSeconds: 90, scaleUpVelocityThreshold: 4 }),
    trace,
    startMs: START,
    warmup: parseDistribution('60-120', 'warmup'),
    session: parseDistribution('lognormal:20m,1h', 'session'),
    policies: POLICIES.map((policy) => policy.name),
  };

  it('gives the same report for the same seed', () => {
    const first = runComparison({ ...options, seed: 7, sweep: true }).comparison;
    const second = runComparison({ ...options, seed: 7, sweep: true }).comparison;
    expect(second).toEqual(first);
  });

  it('draws different arrivals for a different seed, with the same counts per minute', () => {
    const first = runComparison({ ...options, seed: 7 });
    const second = runComparison({ ...options, seed: 8 });
    expect(Array.from(second.scenario.arrivalsMs)).not.toEqual(Array.from(first.scenario.arrivalsMs));
    expect(second.comparison.policies[0]?.reservations).toBe(23);
  });

  it('states every cost relative to the oracle, which scores 1', () => {
    const { comparison } = runComparison({ ...options, seed: 3 });
    const oracle = comparison.policies.find((report) => report.policy === 'oracle');
    expect(oracle).toMatchObject({ cold: 0, costVsOracle: 1 });
    for (const report of comparison.policies) expect(report.costVsOracle).toBeGreaterThanOrEqual(1);
  });

  it('rejects an unknown policy by name', () => {
    expect(() => runComparison({ ...options, seed: 1, policies: ['podpool', 'magic'] })).toThrow(/unknown policy "magic"/);
  });
});
