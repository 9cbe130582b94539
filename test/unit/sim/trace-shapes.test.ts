import { describe, expect, it } from 'vitest';
import { generateTrace, shapeRates } from '../../../src/sim/trace-shapes.js';
import { createRandom } from '../../../src/sim/random.js';

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('generateTrace', () => {
  it('is the same for the same options and has one count per minute', () => {
    const trace = generateTrace({ shape: 'spike', days: 2, seed: 4 });
    expect(trace).toHaveLength(2 * 1440);
    expect(generateTrace({ shape: 'spike', days: 2, seed: 4 })).toEqual(trace);
    expect(generateTrace({ shape: 'spike', days: 2, seed: 5 })).not.toEqual(trace);
  });

  it('draws counts around the rate: a flat day at 3/min holds about 4320 reservations', () => {
    const total = sum(generateTrace({ shape: 'flat', days: 1, seed: 1 }));
    expect(total).toBeGreaterThan(4320 * 0.95);
    expect(total).toBeLessThan(4320 * 1.05);
  });

  it('peaks a working day at 13:00 UTC and keeps the weekend quieter', () => {
    const rates = shapeRates({ shape: 'diurnal', days: 7, seed: 1 }, createRandom(1));
    expect(rates[13 * 60]).toBeCloseTo(6);
    expect(rates[3 * 60]).toBeCloseTo(0.2);
    expect(rates[5 * 1440 + 13 * 60]).toBeCloseTo(6 * 0.3);
  });

  it('jumps to the peak once a day in working hours, then halves every 10 minutes', () => {
    const rates = shapeRates({ shape: 'spike', days: 1, seed: 1, peakPerMinute: 21 }, createRandom(8));
    const start = rates.findIndex((rate) => rate > 20);
    expect(start).toBeGreaterThanOrEqual(9 * 60);
    expect(start).toBeLessThan(18 * 60);
    expect(rates[start + 10]).toBeCloseTo(1 + 10);
    expect(rates[start - 1]).toBe(1);
  });

  it('rejects impossible lengths and rates', () => {
    expect(() => generateTrace({ shape: 'flat', days: 0, seed: 1 })).toThrow(/--days/);
    expect(() => generateTrace({ shape: 'flat', days: 1, seed: 1, peakPerMinute: -2 })).toThrow(/--peak/);
  });
});

describe('the shapes added for engine v2', () => {
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

  it('flash: one crowd a night, outside working hours, on a quiet base', () => {
    const counts = generateTrace({ shape: 'flash', days: 1, seed: 3 });
    const peakMinute = counts.indexOf(Math.max(...counts));
    expect(peakMinute).toBeLessThan(6 * 60 + 30);
    expect(Math.max(...counts)).toBeGreaterThan(20);
    expect(sum(counts.slice(12 * 60))).toBeLessThan(0.6 * 12 * 60);
  });

  it('bursts: clumps far above the base, heavy-tailed but capped', () => {
    const counts = generateTrace({ shape: 'bursts', days: 2, seed: 11 });
    expect(counts.filter((count) => count >= 10).length).toBeGreaterThan(10);
    expect(Math.max(...counts)).toBeLessThanOrEqual(150 + 10);
    const mean = sum(counts) / counts.length;
    const variance = sum(counts.map((count) => (count - mean) ** 2)) / counts.length;
    expect(variance / mean).toBeGreaterThan(3);
  });

  it('double-peak: follows local time across a daylight-saving change', () => {
    const startMs = Date.parse('2026-03-02T00:00:00Z');
    const rates = shapeRates({ shape: 'double-peak', days: 14, seed: 1, timeZone: 'America/New_York', startMs }, createRandom(1));
    // 10:00 New York is 15:00 UTC before 2026-03-08 and 14:00 UTC after.
    const minuteOf = (iso: string) => (Date.parse(iso) - startMs) / 60_000;
    expect(rates[minuteOf('2026-03-03T15:00:00Z')]).toBeCloseTo(8, 5);
    expect(rates[minuteOf('2026-03-10T14:00:00Z')]).toBeCloseTo(8, 5);
    expect(rates[minuteOf('2026-03-10T15:00:00Z')]).toBeLessThan(8);
  });
});
