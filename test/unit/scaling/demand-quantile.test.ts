import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logGamma, standardNormalQuantile, warmCountFor } from '../../../src/scaling/demand-quantile.js';

/** P(D >= s) by direct summation from 0, for means where exp(-mean) does not underflow. */
function poissonUpperTail(mean: number, s: number): number {
  let pmf = Math.exp(-mean);
  let below = 0;
  for (let k = 0; k < s; k += 1) {
    below += pmf;
    pmf *= mean / (k + 1);
  }
  return Math.max(0, 1 - below);
}

/** P(D >= s) for the negative binomial with the mean and variance dispersion * mean, summed from 0. */
function negativeBinomialUpperTail(mean: number, dispersion: number, s: number): number {
  const size = mean / (dispersion - 1);
  const q = 1 - 1 / dispersion;
  let pmf = (1 / dispersion) ** size;
  let below = 0;
  for (let k = 0; k < s; k += 1) {
    below += pmf;
    pmf *= ((k + size) / (k + 1)) * q;
  }
  return Math.max(0, 1 - below);
}

/** The smallest s whose tail is within the budget, by walking up from 0 (bounded). */
function smallestCount(tail: (s: number) => number, budget: number, limit: number): number {
  for (let s = 0; s <= limit; s += 1) if (tail(s) <= budget) return s;
  throw new Error(`no count up to ${limit}`);
}

describe('warmCountFor', () => {
  it('matches the exact Poisson table of the sizing notes at 99 %', () => {
    expect(warmCountFor({ mean: 3, dispersion: 1 }, 0.99)).toBe(9);
    expect(warmCountFor({ mean: 30, dispersion: 1 }, 0.99)).toBe(44);
    expect(warmCountFor({ mean: 300, dispersion: 1 }, 0.99)).toBe(342);
  });

  it('keeps more than the square-root rule at small counts', () => {
    for (const mean of [0.5, 1, 2, 3, 5]) {
      const squareRoot = Math.ceil(mean + 2.326 * Math.sqrt(mean));
      expect(warmCountFor({ mean, dispersion: 1 }, 0.99)).toBeGreaterThan(squareRoot);
    }
  });

  it('asks for nothing without demand and for one pod at a trickle', () => {
    expect(warmCountFor({ mean: 0, dispersion: 1 }, 0.99)).toBe(0);
    expect(warmCountFor({ mean: 0.001, dispersion: 1 }, 0.99)).toBe(1);
  });

  it('is the smallest Poisson count within the budget (property, against direct summation)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 400, noNaN: true }),
        fc.constantFrom(0.5, 0.9, 0.95, 0.99, 0.999, 0.9999),
        (mean, availability) => {
          const budget = 1 - availability;
          const expected = smallestCount((s) => poissonUpperTail(mean, s), budget, 2000);
          const got = warmCountFor({ mean, dispersion: 1 }, availability);
          // Near a boundary the two sums may round differently; then both counts meet the budget within float noise.
          if (got !== expected) {
            expect(Math.abs(got - expected)).toBe(1);
            expect(Math.abs(poissonUpperTail(mean, Math.min(got, expected)) - budget)).toBeLessThan(1e-9);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('is the smallest count within the budget of both the Poisson and the negative binomial (property, against direct summation)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 150, noNaN: true }),
        fc.double({ min: 1.01, max: 12, noNaN: true }),
        fc.constantFrom(0.9, 0.99, 0.999),
        (mean, dispersion, availability) => {
          const budget = 1 - availability;
          const poisson = smallestCount((s) => poissonUpperTail(mean, s), budget, 2000);
          const expected = Math.max(
            poisson,
            smallestCount((s) => negativeBinomialUpperTail(mean, dispersion, s), budget, 20_000),
          );
          const got = warmCountFor({ mean, dispersion }, availability);
          if (got !== expected) {
            expect(Math.abs(got - expected)).toBe(1);
            const low = Math.min(got, expected);
            const nearBoundary = [poissonUpperTail(mean, low), negativeBinomialUpperTail(mean, dispersion, low)].some(
              (tail) => Math.abs(tail - budget) < 1e-9,
            );
            expect(nearBoundary).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grows with the dispersion and with the availability (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 500, noNaN: true }), fc.double({ min: 1, max: 10, noNaN: true }), (mean, dispersion) => {
        const base = warmCountFor({ mean, dispersion }, 0.99);
        expect(base).toBeGreaterThanOrEqual(warmCountFor({ mean, dispersion: 1 }, 0.99));
        expect(warmCountFor({ mean, dispersion }, 0.999)).toBeGreaterThanOrEqual(base);
        expect(warmCountFor({ mean, dispersion }, 0.9)).toBeLessThanOrEqual(base);
        expect(base).toBeGreaterThanOrEqual(Math.floor(mean));
      }),
      { numRuns: 300 },
    );
  });

  it('answers huge means and dispersions near 1 without underflow or a long walk', () => {
    // exp(-5000) underflows to 0: the exact walk starts at the mode in log space instead.
    const huge = warmCountFor({ mean: 5000, dispersion: 1 }, 0.99);
    expect(huge).toBeGreaterThan(5000 + 2.2 * Math.sqrt(5000));
    expect(huge).toBeLessThan(5000 + 2.5 * Math.sqrt(5000) + 2);
    const nearPoisson = warmCountFor({ mean: 2000, dispersion: 1.000_01 }, 0.99);
    expect(Math.abs(nearPoisson - warmCountFor({ mean: 2000, dispersion: 1 }, 0.99))).toBeLessThanOrEqual(1);
    const started = performance.now();
    for (let i = 0; i < 100; i += 1) warmCountFor({ mean: 1e7, dispersion: 3 }, 0.999);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(warmCountFor({ mean: 1e7, dispersion: 3 }, 0.999)).toBeGreaterThan(1e7);
  });

  it('refuses an availability of 1 (no finite pool is never cold)', () => {
    expect(() => warmCountFor({ mean: 1, dispersion: 1 }, 1)).toThrow(RangeError);
  });
});

describe('numerical helpers', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 9);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('the normal quantile matches known values', () => {
    expect(standardNormalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(standardNormalQuantile(0.99)).toBeCloseTo(2.326348, 5);
    expect(standardNormalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });
});
