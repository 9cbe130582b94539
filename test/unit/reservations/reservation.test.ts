import type { V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATE_LABEL } from '../../../src/api/labels.js';
import { classifyPod } from '../../../src/pool/classify.js';
import { podView } from '../../../src/pool/pod-view.js';
import { PodClaims } from '../../../src/reservations/claims.js';
import { isReservable, isReserved } from '../../../src/reservations/reservation.js';
import { countReservableCandidates, hasReservableCandidate, pickReservableCandidate } from '../../../src/reservations/reserve.js';

const condition = fc.record({
  type: fc.constantFrom('Ready', 'PodScheduled', 'ContainersReady'),
  status: fc.constantFrom('True', 'False', 'Unknown'),
});
const pod: fc.Arbitrary<V1Pod> = fc.record({
  metadata: fc.record(
    {
      name: fc.constant('p'),
      labels: fc.record({ [STATE_LABEL]: fc.constantFrom('ready', 'warming', 'reserved', 'x') }, { requiredKeys: [] }),
      deletionTimestamp: fc.constant(new Date('2026-12-01T00:00:00Z')),
    },
    { requiredKeys: ['name'] },
  ),
  status: fc.record(
    { phase: fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'), conditions: fc.array(condition, { maxLength: 3 }) },
    { requiredKeys: [] },
  ),
});

describe('isReservable and isReserved', () => {
  it('agree with classifyPod over a full podView for any pod', () => {
    fc.assert(
      fc.property(pod, (p) => {
        const expected = classifyPod(podView(p));
        expect(isReservable(p)).toBe(expected === 'ready');
        expect(isReserved(p)).toBe(expected === 'reserved');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('pickReservableCandidate', () => {
  const named = (name: string, state: string, ready: boolean): V1Pod => ({
    metadata: { name, namespace: 'ns', resourceVersion: '1', labels: { [STATE_LABEL]: state } },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  const podsArb = fc.array(
    fc.record({ state: fc.constantFrom('ready', 'reserved', 'warming'), ready: fc.boolean(), tried: fc.boolean() }),
    { maxLength: 30 },
  );

  it('returns a candidate whenever one exists, and only candidates, from any random start', () => {
    fc.assert(
      fc.property(podsArb, fc.double({ min: 0, max: 0.9999999, noNaN: true }), (specs, r) => {
        const pods = specs.map((spec, i) => named(`p${i}`, spec.state, spec.ready));
        const tried = new Set(specs.flatMap((spec, i) => (spec.tried ? [`p${i}`] : [])));
        const claims = new PodClaims();
        const candidates = pods.filter((pod) => isReservable(pod) && !tried.has(pod.metadata!.name!));
        const picked = pickReservableCandidate(pods, claims, tried, 0, () => r);
        expect(picked === undefined).toBe(candidates.length === 0);
        if (picked !== undefined) expect(candidates).toContain(picked);
        expect(hasReservableCandidate(pods, claims, tried, 0)).toBe(candidates.length > 0);
        expect(countReservableCandidates(pods, claims, tried, 0)).toBe(candidates.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('reaches every candidate as the random start varies', () => {
    const pods = [named('a', 'ready', true), named('b', 'reserved', true), named('c', 'ready', true), named('d', 'warming', false)];
    const picks = new Set(
      [0, 0.25, 0.5, 0.75].map((r) => pickReservableCandidate(pods, new PodClaims(), new Set(), 0, () => r)?.metadata?.name),
    );
    expect(picks).toEqual(new Set(['a', 'c']));
  });
});
