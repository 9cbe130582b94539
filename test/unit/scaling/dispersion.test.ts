import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISPERSION_WINDOW_SECONDS, dispersionAt, MAX_DISPERSION } from '../../../src/scaling/dispersion.js';
import { emptyHistory, recordReservations, type ReservationHistory } from '../../../src/scaling/reservation-history.js';

const BUCKET_SECONDS = 15;
const BUCKETS = DISPERSION_WINDOW_SECONDS / BUCKET_SECONDS;
const START = Date.parse('2026-12-01T00:00:00Z');

/** A history whose completed buckets hold `counts`, oldest first; returns it with the moment just after the last. */
function historyOf(counts: readonly number[]): { history: ReservationHistory; atMs: number } {
  let history = emptyHistory(START, BUCKET_SECONDS);
  counts.forEach((count, i) => {
    if (count > 0) history = recordReservations(history, START + i * BUCKET_SECONDS * 1000 + 1, count, 1000);
  });
  return { history, atMs: START + counts.length * BUCKET_SECONDS * 1000 + 1 };
}

/** Deterministic Poisson draws (Knuth), seeded. */
function poissonCounts(mean: number, n: number, seed: number): number[] {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: n }, () => {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = random();
    while (p > limit) {
      k += 1;
      p *= random();
    }
    return k;
  });
}

const dispersionOf = (counts: readonly number[]): number => {
  const { history, atMs } = historyOf(counts);
  return dispersionAt(history, atMs);
};

describe('dispersionAt', () => {
  it('is 1 with too little to go on: under four buckets, or no reservations', () => {
    expect(dispersionOf([5, 0, 9])).toBe(1);
    expect(dispersionOf(Array<number>(BUCKETS).fill(0))).toBe(1);
  });

  it('stays near 1 for Poisson arrivals, at small and large rates', () => {
    for (const [mean, seed] of [
      [2, 1],
      [8, 2],
      [40, 3],
    ] as const) {
      expect(dispersionOf(poissonCounts(mean, BUCKETS, seed))).toBeLessThan(1.6);
    }
  });

  it('reads clumped arrivals as about the clump size, shrunk while the window holds few reservations', () => {
    // Clumps of 6 arriving as a Poisson process of 2 clumps per bucket: dispersion about 6.
    const counts = poissonCounts(2, BUCKETS, 7).map((clumps) => clumps * 6);
    const total = counts.reduce((a, b) => a + b, 0);
    const measured = dispersionOf(counts);
    expect(measured).toBeGreaterThan(3.5);
    expect(measured).toBeLessThanOrEqual(1 + (MAX_DISPERSION - 1) * (total / (total + 30)));
  });

  it('does not mistake a steady ramp or a step in the rate for burstiness', () => {
    const ramp = Array.from({ length: BUCKETS }, (_, i) => i);
    expect(dispersionOf(ramp)).toBeLessThan(1.2);
    const step = Array.from({ length: BUCKETS }, (_, i) => (i < BUCKETS / 2 ? 2 : 20));
    expect(dispersionOf(step)).toBeLessThan(1.5);
  });

  it('gives one freak bucket little weight when it holds few reservations', () => {
    const counts = Array<number>(BUCKETS).fill(0);
    counts[10] = 3;
    expect(dispersionOf(counts)).toBeLessThan(1.5);
  });

  it('is always between 1 and MAX_DISPERSION', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 500 }), { minLength: 0, maxLength: BUCKETS }), (counts) => {
        const d = dispersionOf(counts);
        expect(d).toBeGreaterThanOrEqual(1);
        expect(d).toBeLessThanOrEqual(MAX_DISPERSION);
      }),
      { numRuns: 300 },
    );
  });
});
