import { describe, expect, it } from 'vitest';
import { policyNamed, type PolledPolicy, type PoolState } from '../../../src/sim/policies/index.js';
import { recommend } from '../../../src/scaling/recommend.js';
import { emptyHistory, recordReservations } from '../../../src/scaling/reservation-history.js';
import { maxHistoryBuckets } from '../../../src/scaling/pool-recommendation.js';
import { makeSpec } from '../support/spec.js';
import { secondsScenario, START } from './support.js';

const scenario = secondsScenario([]);
const berlinDays = makeSpec({
  minPoolSize: 2,
  maxPoolSize: 40,
  targetReadyPods: 3,
  warmupSeconds: 90,
  timeZone: 'Europe/Berlin',
  timeBasedScaling: [{ hourStart: 8, hourEnd: 20, targetPoolSize: 10 }],
});

function polled(name: string, spec = berlinDays, knob?: number): PolledPolicy {
  const policy = policyNamed(name).create({ spec, scenario, knob });
  if (policy.kind !== 'polled') throw new Error(`${name} is not polled`);
  return policy;
}

const state = (nowMs: number, pods: Partial<PoolState> = {}): PoolState => ({
  nowMs,
  readyPods: 0,
  warmingPods: 0,
  reservedPods: 0,
  waitingReservations: 0,
  ...pods,
});
const berlin = (hhmm: string): number => Date.parse(`2026-01-05T${hhmm}:00+01:00`);

describe('podpool policy', () => {
  it('asks the engine with the reservations it was told about', () => {
    const policy = polled('podpool');
    const maxBuckets = maxHistoryBuckets(berlinDays);
    let history = emptyHistory(START - scenario.preRollMs);
    for (let second = 0; second < 120; second += 10) {
      policy.reservationMade(START + second * 1000);
      history = recordReservations(history, START + second * 1000, 1, maxBuckets);
    }
    const now = START + 120_000;
    expect(policy.desiredWarmPods(state(now))).toBe(recommend(berlinDays, { history }, now).desiredReplicas);
    expect(policy.desiredWarmPods(state(now))).toBeGreaterThan(berlinDays.targetReadyPods);
    // Users waiting for a pod are the controller's waiting claims: back-orders on top.
    expect(policy.desiredWarmPods(state(now, { waitingReservations: 3 }))).toBe(
      recommend(berlinDays, { history, waitingClaims: 3 }, now).desiredReplicas,
    );
    expect(policy.desiredWarmPods(state(now, { waitingReservations: 3 }))).toBe(policy.desiredWarmPods(state(now)) + 3);
  });
});

describe('cron policy', () => {
  it('applies a window from its first minute, not one warm-up early, and minPoolSize outside', () => {
    const policy = polled('cron');
    expect(policy.desiredWarmPods(state(berlin('07:59')))).toBe(2);
    expect(policy.desiredWarmPods(state(berlin('08:00')))).toBe(10);
    expect(polled('cron', berlinDays, 1.5).desiredWarmPods(state(berlin('12:00')))).toBe(15);
  });
});

describe('buffer policy', () => {
  it('keeps a fixed warm count, by default the largest window target, within maxPoolSize', () => {
    expect(polled('buffer').desiredWarmPods(state(START))).toBe(10);
    expect(polled('buffer', berlinDays, 4).desiredWarmPods(state(START))).toBe(4);
    expect(polled('buffer', berlinDays, 400).desiredWarmPods(state(START))).toBe(40);
  });
});

describe('reactive policy', () => {
  it("holds `hold` seconds of the last minute's rate and scales down only after 300 s", () => {
    const policy = polled('reactive', berlinDays, 120);
    for (let i = 0; i < 6; i += 1) policy.reservationMade(START + i * 10_000); // 6 in the last minute: 0.1/s
    expect(policy.desiredWarmPods(state(START + 59_000))).toBe(12);
    expect(policy.desiredWarmPods(state(START + 200_000))).toBe(12); // rate 0, held
    expect(policy.desiredWarmPods(state(START + 360_000))).toBe(2); // past the stabilization window: minPoolSize
  });
});

describe('seed policy', () => {
  const spec = makeSpec({
    minPoolSize: 1,
    maxPoolSize: 40,
    targetReadyPods: 2,
    scaleUpVelocityThreshold: 2,
    scaleUpAccelerationThreshold: 100,
  });

  it('scales up to the target, adding one minute of demand when the reserved count climbs fast', () => {
    const policy = polled('seed', spec);
    expect(policy.desiredWarmPods(state(START, { readyPods: 0 }))).toBe(1);
    // reserved count 0 -> 6 in one minute: velocity 6/min > 2; acceleration of the halves 12 - 0.
    expect(policy.desiredWarmPods(state(START + 30_000, { reservedPods: 0 }))).toBe(1);
    expect(policy.desiredWarmPods(state(START + 60_000, { reservedPods: 6 }))).toBe(1 + 6 + 12);
  });

  it('reads falling reservations (sessions ending) as negative velocity, whatever the arrival rate', () => {
    const policy = polled('seed', spec);
    policy.desiredWarmPods(state(START, { reservedPods: 10, readyPods: 1 }));
    expect(policy.desiredWarmPods(state(START + 60_000, { reservedPods: 4, readyPods: 1 }))).toBe(1);
  });

  it('deletes every ready pod past targetReadyPods when over target, as the post does', () => {
    const policy = polled('seed', spec);
    expect(policy.desiredWarmPods(state(START, { readyPods: 7, warmingPods: 2 }))).toBe(2 + 2);
  });
});

describe('oracle policy', () => {
  it('plans one pod per arrival, one warm-up ahead', () => {
    const withArrivals = secondsScenario([100, 40], { warmup: '30' });
    const oracle = policyNamed('oracle').create({ spec: berlinDays, scenario: withArrivals });
    expect(oracle).toEqual({
      kind: 'scheduled',
      pods: [
        { createMs: START + 10_000, warmupMs: 30_000 },
        { createMs: START + 70_000, warmupMs: 30_000 },
      ],
    });
  });
});
