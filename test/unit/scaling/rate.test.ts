import { describe, expect, it } from 'vitest';
import { rateAt } from '../../../src/scaling/rate.js';
import { emptyHistory, recordReservations, type ReservationHistory } from '../../../src/scaling/reservation-history.js';
import { at } from '../support/spec.js';

const NOW = at('2026-01-05T10:00:00Z');

/** One entry per minute, oldest first, each minute's reservations spread over its buckets. */
function perMinute(counts: number[]): ReservationHistory {
  let history = emptyHistory(NOW - counts.length * 60_000);
  counts.forEach((count, minute) => {
    const start = NOW - (counts.length - minute) * 60_000;
    for (let i = 0; i < count; i += 1) history = recordReservations(history, start + 1 + (i * 60_000) / count, 1, 100);
  });
  return history;
}

describe('rateAt', () => {
  it('is zero without reservations', () => {
    expect(rateAt(emptyHistory(NOW), NOW)).toEqual({ velocity: 0, acceleration: 0, trend: 0 });
  });

  it('reads a rise as a trend only beyond two standard errors of the slope', () => {
    // Slope 6/min²: the standard error of five one-minute Poisson rates at the velocity v is sqrt(v / 10).
    const steep = rateAt(perMinute([2, 8, 14, 20, 26]), NOW);
    expect(steep.acceleration).toBeCloseTo(6);
    expect(steep.trend).toBeCloseTo(6 - 2 * Math.sqrt(steep.velocity / 10));
    expect(steep.trend).toBeGreaterThan(3);
    // Slope 2/min² at 6/min is within the noise (standard error 0.77): measured, not projected.
    const gentle = rateAt(perMinute([2, 4, 6, 8, 10]), NOW);
    expect(gentle.acceleration).toBeCloseTo(2);
    expect(gentle.velocity).toBeCloseTo(6);
    expect(gentle.trend).toBeCloseTo(2 - 2 * Math.sqrt(6 / 10));
    const noisy = rateAt(perMinute([5, 3, 6, 4, 7]), NOW);
    expect(noisy.acceleration).toBeGreaterThan(0);
    expect(noisy.trend).toBe(0);
    const falling = rateAt(perMinute([10, 8, 6, 4, 2]), NOW);
    expect(falling.trend).toBe(0);
  });

  it('measures a steady rate as velocity with no acceleration', () => {
    const rate = rateAt(perMinute([6, 6, 6, 6, 6]), NOW);
    expect(rate.velocity).toBeCloseTo(6);
    expect(rate.acceleration).toBeCloseTo(0);
  });

  it('measures a linear ramp as its slope, and its rate as the five-minute mean while the last minute is within its noise', () => {
    const rate = rateAt(perMinute([2, 4, 6, 8, 10]), NOW);
    // The last minute's 10 reads as 10 - 2 sqrt(10) = 3.7 at its lower bound: below the mean of 6.
    expect(rate.velocity).toBeCloseTo(6);
    expect(rate.acceleration).toBeCloseTo(2);
  });

  it('keeps sparse demand visible through the five-minute window', () => {
    const rate = rateAt(perMinute([1, 0, 0, 0, 0]), NOW);
    expect(rate.velocity).toBeCloseTo(0.2);
    expect(rate.acceleration).toBeLessThan(0);
  });

  it('damps a one-minute burst in acceleration compared with a two-point difference', () => {
    const rate = rateAt(perMinute([0, 0, 0, 0, 10]), NOW);
    expect(rate.velocity).toBeCloseTo(10 - 2 * Math.sqrt(10));
    expect(rate.acceleration).toBeCloseTo(2);
  });

  it('does not dilute the rate with the part of the current bucket that has not happened', () => {
    const history = recordReservations(emptyHistory(NOW), NOW + 1_000, 9, 100);
    // Four buckets of which the newest has run 2 s: 9 reservations (lower bound 9 - 2 * 3) in 47 s.
    expect(rateAt(history, NOW + 2_000).velocity).toBeCloseTo((3 * 60) / 47);
  });

  it('does not read ordinary noise around a steady rate as a rise', () => {
    // 3 a minute for four minutes, then a noisy 5: still read as the steady rate (long window).
    const rate = rateAt(perMinute([3, 3, 3, 3, 5]), NOW);
    expect(rate.velocity).toBeCloseTo(17 / 5);
  });

  it('sees a flash crowd within a minute', () => {
    // 30 in the last minute after a quiet hour: 30 - 2 sqrt(30) = 19 a minute at once.
    expect(rateAt(perMinute([0, 0, 0, 0, 30]), NOW).velocity).toBeCloseTo(30 - 2 * Math.sqrt(30));
  });

  it('ignores reservations after the instant it is asked about', () => {
    const history = recordReservations(emptyHistory(NOW), NOW + 30_000, 10, 100);
    expect(rateAt(history, NOW).velocity).toBe(0);
  });
});
