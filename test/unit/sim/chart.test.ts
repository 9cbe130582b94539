import { describe, expect, it } from 'vitest';
import { renderChart } from '../../../src/sim/chart.js';
import type { PolicyReport } from '../../../src/sim/report.js';

const report = (policy: string, cold: number): PolicyReport => ({
  policy,
  reservations: 10,
  warm: 10 - cold,
  cold,
  coldRate: cold / 10,
  waitP50Seconds: 0,
  waitP99Seconds: 0,
  waitMaxSeconds: 0,
  unreservedPodMinutes: 5,
  costVsOracle: 1.5,
  podsCreated: 10,
  peakPods: 4,
});

const timeline = (cold: number[]) => ({
  readyPods: Float64Array.from([1, 2, 3]),
  warmingPods: Float64Array.from([1, 0, 0]),
  coldReservations: Uint32Array.from(cold),
});

describe('renderChart', () => {
  const svg = renderChart({
    startMs: Date.parse('2026-01-05T00:00:00Z'),
    timeZone: 'Europe/Berlin',
    demandPerMinute: [2, 5, 3],
    policies: [
      { report: report('podpool', 0), timeline: timeline([0, 0, 0]) },
      { report: report('buffer', 2), timeline: timeline([0, 2, 0]) },
    ],
    title: 'pool <a> & b',
  });

  it('is one labelled SVG with a demand panel and a panel per policy', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('pool &lt;a&gt; &amp; b');
    expect(svg).toContain('demand: reservations per minute');
    expect(svg).toContain('podpool: 0 cold of 10 (0.00%), 5 idle pod-min, 1.50x oracle');
    expect(svg).toContain('buffer: 2 cold of 10 (20.00%)');
    expect(svg).toContain('Mon 01:00'); // the first minute, read in the pool's time zone
  });

  it('marks cold reservations only where they happened', () => {
    expect(svg.match(/stroke="#d62d20"/g)).toHaveLength(1);
    // Three minutes, two policies: ready and warming areas for each, one demand area.
    expect(svg.match(/<polygon/g)).toHaveLength(5);
  });

  it('stays within what resvg renders: presentation attributes, no CSS, a font Linux has', () => {
    expect(svg).not.toMatch(/<style|style="/);
    expect(svg).toContain(`font-family="Helvetica, Arial, 'DejaVu Sans', sans-serif"`);
  });

  it('draws the time grid behind the data and keeps the last time label inside the chart', () => {
    const day = renderChart({
      startMs: Date.parse('2026-01-05T00:00:00Z'),
      timeZone: 'UTC',
      demandPerMinute: new Array<number>(24 * 60).fill(1),
      policies: [],
    });
    expect(day.indexOf('stroke-dasharray')).toBeLessThan(day.indexOf('<polygon'));
    expect(day).toContain('text-anchor="middle">Mon 21:00</text>');
    expect(day).toContain('text-anchor="end">Tue 00:00</text>');
  });
});
