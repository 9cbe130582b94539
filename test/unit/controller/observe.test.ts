import { describe, expect, it } from 'vitest';
import { poolKey } from '../../../src/api/pool-key.js';
import type { PodPool, PodPoolStatus } from '../../../src/api/schema.js';
import { observeReservations, unmetSinceObserved, WarmupSampler } from '../../../src/controller/observe.js';
import { classifyPods } from '../../../src/pool/classify.js';
import type { PodView } from '../../../src/pool/pod-view.js';
import { totalReservations } from '../../../src/scaling/reservation-history.js';
import { at, makeSpec } from '../support/spec.js';

const NOW = at('2026-01-05T10:00:00Z');

function pool(status: PodPoolStatus): PodPool {
  return { apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', metadata: { name: 'p', namespace: 'n' }, spec: makeSpec(), status };
}

describe('unmet reservations', () => {
  it('counts what the reservation API added since the watermark', () => {
    expect(unmetSinceObserved(7, 4)).toEqual({ count: 3, observed: 7 });
    expect(unmetSinceObserved(7, undefined)).toEqual({ count: 7, observed: 7 });
    expect(unmetSinceObserved(7, 7)).toEqual({ count: 0, observed: 7 });
  });

  it('starts over from a counter reset by hand, and ignores a missing or malformed one', () => {
    expect(unmetSinceObserved(2, 9)).toEqual({ count: 0, observed: 2 });
    expect(unmetSinceObserved(undefined, 9)).toEqual({ count: 0, observed: 9 });
    expect(unmetSinceObserved(-1, 3)).toEqual({ count: 0, observed: 3 });
    expect(unmetSinceObserved(2.5, undefined)).toEqual({ count: 0, observed: undefined });
  });

  it('records unmet demand into the history as demand now, but not into totalReservations', () => {
    const observed = observeReservations(pool({ unmetReservations: 5, observedUnmetReservations: 2 }), classifyPods([], 'h'), NOW);
    expect(totalReservations(observed.history)).toBe(3);
    expect(observed.history.endMs).toBe(NOW);
    expect(observed.count).toBe(0);
    expect(observed.observedUnmet).toBe(5);
  });

  it('records nothing twice: a second reconcile on the written watermark adds nothing', () => {
    const first = observeReservations(pool({ unmetReservations: 5 }), classifyPods([], 'h'), NOW);
    const status: PodPoolStatus = {
      unmetReservations: 5,
      observedUnmetReservations: first.observedUnmet,
      reservationHistory: {
        bucketSeconds: first.history.bucketSeconds,
        endTime: new Date(first.history.endMs).toISOString(),
        counts: [...first.history.counts],
      },
    };
    const second = observeReservations(pool(status), classifyPods([], 'h'), NOW + 1000);
    expect(totalReservations(second.history)).toBe(5);
  });
});

describe('observed warm-up', () => {
  const created = NOW - 120_000;
  const pod = (name: string, ready: boolean, readySinceMs?: number): PodView => ({
    name,
    labels: { 'podpool.dev/pool': 'p', 'podpool.dev/state': ready ? 'ready' : 'warming', 'podpool.dev/template-hash': 'h' },
    annotations: {},
    createdMs: created,
    phase: 'Running',
    ready,
    readySinceMs,
  });

  it('samples a pod once, and not again when it flaps to NotReady and back', () => {
    const key = poolKey('n', 'flap');
    const warmups = new WarmupSampler();
    const first = warmups.observe(key, pool({}), classifyPods([pod('a', true, created + 30_000)], 'h'));
    expect(first).toEqual({ seconds: 30, samples: [30] });
    const status = { observedWarmupSeconds: first.seconds, warmupSamples: first.samples };
    warmups.observe(key, pool(status), classifyPods([pod('a', false)], 'h'));
    const again = warmups.observe(key, pool(status), classifyPods([pod('a', true, NOW)], 'h'));
    expect(again).toEqual({ seconds: 30, samples: [30] });
  });

  it('samples a pod again once the pool was forgotten (deleted and made anew)', () => {
    const warmups = new WarmupSampler();
    const ready = classifyPods([pod('a', true, created + 30_000)], 'h');
    expect(warmups.observe(poolKey('n', 'again'), pool({}), ready).seconds).toBe(30);
    expect(warmups.observe(poolKey('n', 'again'), pool({ observedWarmupSeconds: 50 }), ready).seconds).toBe(50);
    warmups.forget(poolKey('n', 'again'));
    expect(warmups.observe(poolKey('n', 'again'), pool({ observedWarmupSeconds: 50, warmupSamples: [50] }), ready)).toEqual({
      seconds: 46,
      samples: [50, 30],
    });
  });

  it('ignores a time to Ready longer than any warm-up a spec may declare', () => {
    const old: PodView = { ...pod('old', true, NOW), createdMs: NOW - 2 * 3_600_000 };
    expect(new WarmupSampler().observe(poolKey('n', 'slow'), pool({ observedWarmupSeconds: 40 }), classifyPods([old], 'h'))).toEqual({
      seconds: 40,
      samples: [],
    });
  });
});
