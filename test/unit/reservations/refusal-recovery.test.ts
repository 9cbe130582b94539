import { poolKey } from '../../../src/api/pool-key.js';
import { describe, expect, it } from 'vitest';
import { RefusalRecovery } from '../../../src/reservations/refusal-recovery.js';

describe('RefusalRecovery', () => {
  function recorder() {
    let nowMs = 0;
    const seen: Array<[string, string, number]> = [];
    const recovery = new RefusalRecovery(
      () => nowMs,
      (namespace, pool, seconds) => seen.push([namespace, pool, seconds]),
    );
    return { recovery, seen, advance: (ms: number) => (nowMs += ms) };
  }

  it('times from the first refusal to the next ready pod, once', () => {
    const { recovery, seen, advance } = recorder();
    recovery.refused('ns', 'p');
    advance(2_000);
    recovery.refused('ns', 'p');
    advance(1_500);
    recovery.podReady(poolKey('ns', 'p'));
    recovery.podReady(poolKey('ns', 'p'));
    expect(seen).toEqual([['ns', 'p', 3.5]]);
    expect(recovery.timing()).toBe(0);
  });

  it('ignores ready pods of pools that refused nobody, and times pools apart', () => {
    const { recovery, seen, advance } = recorder();
    recovery.podReady(poolKey('ns', 'p'));
    recovery.refused('ns', 'a');
    advance(1_000);
    recovery.refused('ns', 'b');
    advance(1_000);
    recovery.podReady(poolKey('ns', 'b'));
    expect(seen).toEqual([['ns', 'b', 1]]);
    expect(recovery.timing()).toBe(1);
  });
});
