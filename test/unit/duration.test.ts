import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['1500ms', 1_500],
    ['30s', 30_000],
    [' 5 m ', 300_000],
    ['1h', 3_600_000],
    ['90d', 90 * 86_400_000],
    ['0.5s', 500],
    ['0s', 0],
  ])('reads %j', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
  it('reads a bare number in the given unit, and only then', () => {
    expect(parseDurationMs('10', 's')).toBe(10_000);
    expect(parseDurationMs('10')).toBeUndefined();
  });
  it.each([['soon'], ['-5s'], ['30w'], [''], ['1e3s'], ['s']])('refuses %j', (text) => {
    expect(parseDurationMs(text, 's')).toBeUndefined();
  });
});
