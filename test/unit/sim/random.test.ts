import { describe, expect, it } from 'vitest';
import { createRandom, poisson, streamSeed } from '../../../src/sim/random.js';

describe('createRandom', () => {
  it('replays the same numbers for the same seed and different ones for another', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
  });

  it('stays in [0, 1)', () => {
    const random = createRandom(0);
    for (let i = 0; i < 10_000; i += 1) {
      const value = random.next();
      expect(value >= 0 && value < 1).toBe(true);
    }
  });

  it('gives each named stream its own seed', () => {
    expect(streamSeed(1, 'warmups')).not.toBe(streamSeed(1, 'sessions'));
    expect(streamSeed(1, 'warmups')).toBe(streamSeed(1, 'warmups'));
    expect(streamSeed(1, 'warmups')).not.toBe(streamSeed(2, 'warmups'));
  });
});

describe('poisson', () => {
  it('averages its mean, for small and large means', () => {
    for (const mean of [0.5, 6, 250]) {
      const random = createRandom(9);
      let total = 0;
      for (let i = 0; i < 20_000; i += 1) total += poisson(random, mean);
      expect(total / 20_000).toBeGreaterThan(mean * 0.97);
      expect(total / 20_000).toBeLessThan(mean * 1.03);
    }
    expect(poisson(createRandom(1), 0)).toBe(0);
  });
});
