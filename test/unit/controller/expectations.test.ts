import { describe, expect, it } from 'vitest';
import { poolKey } from '../../../src/api/pool-key.js';
import { Expectations } from '../../../src/controller/expectations.js';

const KEY = poolKey('ns', 'p');

describe('Expectations', () => {
  it('counts creates until the cache shows the pod, and deletes until it is gone or going', () => {
    const expectations = new Expectations({ now: () => 0 });
    expectations.expectCreate(KEY, 'p-1');
    expectations.expectCreate(KEY, 'p-2');
    expectations.expectDelete(KEY, 'p-0');
    let inFlight = expectations.observe(KEY, new Set(['p-0', 'p-1']), new Set());
    expect(inFlight.creates).toBe(1);
    expect([...inFlight.deletes]).toEqual(['p-0']);
    inFlight = expectations.observe(KEY, new Set(['p-1', 'p-2']), new Set(['p-0']));
    expect(inFlight).toEqual({ creates: 0, deletes: new Set() });
  });

  it('expires entries after five minutes so a lost watch event cannot wedge a pool', () => {
    let now = 0;
    const expectations = new Expectations({ now: () => now });
    expectations.expectCreate(KEY, 'never-seen');
    expect(expectations.observe(KEY, new Set(), new Set()).creates).toBe(1);
    now = 5 * 60 * 1000 + 1;
    expect(expectations.observe(KEY, new Set(), new Set()).creates).toBe(0);
  });
});
