import { describe, expect, it } from 'vitest';
import { policyNamed } from '../../../src/sim/policies/index.js';
import { formatMarkdownTable, formatTable, percentile, type PolicyReport } from '../../../src/sim/report.js';
import { describeSweep, sweepPolicy } from '../../../src/sim/sweep.js';
import { makeSpec } from '../support/spec.js';

function report(policy: string, coldRate: number, unreservedPodMinutes: number): PolicyReport {
  return {
    policy,
    reservations: 1000,
    warm: 1000 - coldRate * 1000,
    cold: coldRate * 1000,
    coldRate,
    waitP50Seconds: 0,
    waitP99Seconds: 12.5,
    waitMaxSeconds: 80,
    unreservedPodMinutes,
    costVsOracle: 2,
    podsCreated: 1100,
    peakPods: 40,
  };
}

describe('sweepPolicy', () => {
  const spec = makeSpec({ maxPoolSize: 6 });
  const curve: Record<number, [number, number]> = {
    0: [0.9, 10],
    1: [0.3, 50],
    2: [0.1, 90],
    3: [0.02, 130],
    4: [0.01, 170],
    5: [0, 210],
    6: [0, 250],
  };
  const run = (knob: number) => report('buffer', ...(curve[knob] ?? [1, 0]));

  it("finds the best cold rate at podpool's cost and the cost of podpool's cold rate", () => {
    const result = sweepPolicy(policyNamed('buffer'), spec, run, report('podpool', 0.02, 100));
    expect(result?.points.map((p) => p.knob)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(result?.bestAtPodpoolCost).toEqual({ knob: 2, cold: 100, coldRate: 0.1, unreservedPodMinutes: 90 });
    expect(result?.cheapestAtPodpoolColdRate).toEqual({ knob: 3, cold: 20, coldRate: 0.02, unreservedPodMinutes: 130 });
    expect(describeSweep(result!, report('podpool', 0.02, 100))).toBe(
      "buffer: for at most podpool's cost its best cold rate is 10.00% (warm pods 2, 90 idle pod-min); " +
        "to reach podpool's cold rate of 2.00% it needs 130 idle pod-min, 1.30x podpool (warm pods 3).",
    );
  });

  it('says so when no knob value reaches podpool', () => {
    const result = sweepPolicy(policyNamed('buffer'), spec, run, report('podpool', 0, 5));
    expect(result?.bestAtPodpoolCost).toBeUndefined();
    expect(describeSweep(result!, report('podpool', 0, 5))).toMatch(/no warm pods value tried costs as little as podpool/);
  });

  it('has nothing to sweep for a policy without a knob', () => {
    expect(sweepPolicy(policyNamed('seed'), spec, run, undefined)).toBeUndefined();
  });
});

describe('report formatting', () => {
  it('takes nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(percentile([], 0.5)).toBe(0);
  });

  it('prints one aligned row per policy, and the same as markdown', () => {
    const lines = formatTable([
      report('podpool', 0.0002, 123.4),
      { ...report('buffer', 0.25, 99), knob: { name: 'warm pods', value: 10 } },
    ]).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^podpool\s+1000\s+0\.2\s+0\.020%\s+0\.0\s+12\.5\s+80\.0\s+123\.4\s+2\.00\s+1100\s+40$/);
    expect(lines[2]).toMatch(/^buffer \(warm pods 10\)\s+1000\s+250\s+25\.00%/);
    expect(formatMarkdownTable([report('oracle', 0, 10)]).split('\n')[2]).toBe(
      '| oracle | 1000 | 0 | 0.00% | 0.0 | 12.5 | 80.0 | 10.0 | 2.00 | 1100 | 40 |',
    );
  });
});
