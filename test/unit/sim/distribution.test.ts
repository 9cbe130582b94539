import { describe, expect, it } from 'vitest';
import { describeDistribution, parseDistribution, parseSeconds, sampleSeconds } from '../../../src/sim/distribution.js';
import { createRandom } from '../../../src/sim/random.js';
import { percentile } from '../../../src/sim/report.js';

describe('parseDistribution', () => {
  it('reads fixed, uniform and lognormal forms with units', () => {
    expect(parseDistribution('90', 'x')).toEqual({ kind: 'fixed', seconds: 90 });
    expect(parseDistribution('1.5m', 'x')).toEqual({ kind: 'fixed', seconds: 90 });
    expect(parseDistribution('60-120', 'x')).toEqual({ kind: 'uniform', minSeconds: 60, maxSeconds: 120 });
    expect(parseDistribution('1m-2m', 'x')).toEqual({ kind: 'uniform', minSeconds: 60, maxSeconds: 120 });
    expect(parseDistribution('lognormal:20m,1h', 'x')).toEqual({ kind: 'lognormal', medianSeconds: 1200, p95Seconds: 3600 });
    expect(parseSeconds('2h', 'x')).toBe(7200);
  });

  it('names the flag and the problem', () => {
    expect(() => parseDistribution('soon', '--warmup')).toThrow(/--warmup: "soon" is not a duration/);
    expect(() => parseDistribution('120-60', '--warmup')).toThrow(/runs backwards/);
    expect(() => parseDistribution('lognormal:1h,20m', '--session')).toThrow(/p95 must be greater than its median/);
    expect(() => parseDistribution('lognormal:20m', '--session')).toThrow(/lognormal:MEDIAN,P95/);
    expect(() => parseDistribution('0', '--warmup')).toThrow(/greater than zero/);
  });
});

describe('sampleSeconds', () => {
  it('keeps uniform draws inside the range', () => {
    const random = createRandom(3);
    const draws = Array.from({ length: 2000 }, () => sampleSeconds({ kind: 'uniform', minSeconds: 60, maxSeconds: 120 }, random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(60);
    expect(Math.max(...draws)).toBeLessThan(120);
  });

  it('matches a lognormal to its median and p95', () => {
    const random = createRandom(11);
    const draws = Float64Array.from({ length: 40_000 }, () =>
      sampleSeconds({ kind: 'lognormal', medianSeconds: 1200, p95Seconds: 3600 }, random),
    ).sort();
    expect(percentile(draws, 0.5)).toBeGreaterThan(1200 * 0.97);
    expect(percentile(draws, 0.5)).toBeLessThan(1200 * 1.03);
    expect(percentile(draws, 0.95)).toBeGreaterThan(3600 * 0.95);
    expect(percentile(draws, 0.95)).toBeLessThan(3600 * 1.05);
  });

  it('describes itself for the report', () => {
    expect(describeDistribution(parseDistribution('60-120', 'x'))).toBe('uniform 60-120s');
  });
});
