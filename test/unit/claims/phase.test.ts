import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { PodPoolClaim } from '../../../src/api/claim-schema.js';
import { RESERVED_AT_ANNOTATION } from '../../../src/api/labels.js';
import { bindingOrder, claimStatus, claimStatusChanged, decideClaim } from '../../../src/claims/phase.js';

const NOW = Date.parse('2026-11-24T14:00:00.000Z');

function claim(
  name: string,
  overrides: Partial<PodPoolClaim['spec']> = {},
  status?: PodPoolClaim['status'],
  created = '2026-11-24T13:59:00Z',
): PodPoolClaim {
  return {
    apiVersion: 'podpool.dev/v1alpha1',
    kind: 'PodPoolClaim',
    metadata: { name, namespace: 'team-a', uid: `uid-${name}`, generation: 1, creationTimestamp: created as unknown as Date },
    spec: { poolName: 'sandboxes', ...overrides },
    ...(status === undefined ? {} : { status }),
  };
}

function boundPod(reservedAt: string): V1Pod {
  return {
    metadata: { name: 'p1', namespace: 'team-a', annotations: { [RESERVED_AT_ANNOTATION]: reservedAt } },
    spec: { containers: [], nodeName: 'node-1' },
    status: { podIP: '10.0.0.7' },
  };
}

describe('decideClaim', () => {
  it('waits for a pod while the pool exists, fails when it does not', () => {
    expect(decideClaim({ claim: claim('a'), pod: undefined, poolExists: true, nowMs: NOW })).toEqual({ kind: 'bind' });
    expect(decideClaim({ claim: claim('a'), pod: undefined, poolExists: false, nowMs: NOW })).toEqual({
      kind: 'fail',
      reason: 'PoolNotFound',
    });
  });

  it('reports a held pod with the time left on its TTL, and expires it once the TTL has passed', () => {
    const pod = boundPod('2026-11-24T13:59:30.000Z');
    expect(decideClaim({ claim: claim('a', { ttlSeconds: 60 }), pod, poolExists: true, nowMs: NOW })).toEqual({
      kind: 'bound',
      pod,
      expiresInMs: 30_000,
    });
    expect(decideClaim({ claim: claim('a'), pod, poolExists: false, nowMs: NOW })).toEqual({ kind: 'bound', pod, expiresInMs: undefined });
    expect(decideClaim({ claim: claim('a', { ttlSeconds: 30 }), pod, poolExists: true, nowMs: NOW })).toEqual({ kind: 'expire', pod });
  });

  it('tells a pod that went at its TTL (Expired) from one deleted before it (Failed)', () => {
    const bound = { phase: 'Bound' as const, podName: 'p1', boundTime: '2026-11-24T13:59:30.000Z' };
    expect(decideClaim({ claim: claim('a', { ttlSeconds: 10 }, bound), pod: undefined, poolExists: true, nowMs: NOW })).toEqual({
      kind: 'expire',
    });
    expect(decideClaim({ claim: claim('a', { ttlSeconds: 600 }, bound), pod: undefined, poolExists: true, nowMs: NOW })).toEqual({
      kind: 'fail',
      reason: 'PodDeleted',
    });
    expect(decideClaim({ claim: claim('a', {}, bound), pod: undefined, poolExists: true, nowMs: NOW })).toEqual({
      kind: 'fail',
      reason: 'PodDeleted',
    });
  });

  it('keeps Expired and Failed final: never binds again; an expired claim still holding its pod deletes it', () => {
    expect(decideClaim({ claim: claim('a', {}, { phase: 'Failed' }), pod: undefined, poolExists: true, nowMs: NOW })).toEqual({
      kind: 'done',
    });
    expect(decideClaim({ claim: claim('a', {}, { phase: 'Expired' }), pod: undefined, poolExists: true, nowMs: NOW })).toEqual({
      kind: 'done',
    });
    const pod = boundPod('2026-11-24T13:00:00.000Z');
    expect(decideClaim({ claim: claim('a', {}, { phase: 'Expired' }), pod, poolExists: true, nowMs: NOW })).toEqual({
      kind: 'expire',
      pod,
    });
  });
});

describe('bindingOrder', () => {
  it('puts the oldest claim first, and orders claims of the same second by name', () => {
    const claims = [
      claim('c', {}, undefined, '2026-11-24T13:59:02Z'),
      claim('b', {}, undefined, '2026-11-24T13:59:01Z'),
      claim('a', {}, undefined, '2026-11-24T13:59:02Z'),
      claim('z', {}, undefined, '2026-11-24T13:58:00Z'),
    ];
    expect(bindingOrder(claims).map((c) => c.metadata.name)).toEqual(['z', 'b', 'a', 'c']);
    expect(claims.map((c) => c.metadata.name)).toEqual(['c', 'b', 'a', 'z']);
  });
});

describe('claimStatus', () => {
  const nowIso = new Date(NOW).toISOString();

  it('reports the pod, its IP, node and bind time with a Bound=True condition', () => {
    const status = claimStatus(
      claim('a'),
      { phase: 'Bound', reason: 'PodBound', message: 'holds pod p1', pod: boundPod('2026-11-24T13:59:30.123Z') },
      nowIso,
    );
    expect(status).toEqual({
      phase: 'Bound',
      podName: 'p1',
      podIP: '10.0.0.7',
      nodeName: 'node-1',
      boundTime: '2026-11-24T13:59:30.123Z',
      observedGeneration: 1,
      conditions: [
        { type: 'Bound', status: 'True', reason: 'PodBound', message: 'holds pod p1', lastTransitionTime: nowIso, observedGeneration: 1 },
      ],
    });
  });

  it('keeps which pod an expired claim had, but not its IP, and moves lastTransitionTime only on a change', () => {
    const earlier = '2026-11-24T13:00:00.000Z';
    const bound = claim(
      'a',
      {},
      {
        phase: 'Bound',
        podName: 'p1',
        podIP: '10.0.0.7',
        nodeName: 'node-1',
        boundTime: earlier,
        conditions: [{ type: 'Bound', status: 'True', reason: 'PodBound', message: 'holds pod p1', lastTransitionTime: earlier }],
      },
    );
    const expired = claimStatus(bound, { phase: 'Expired', reason: 'TTLExpired', message: 'ttl passed' }, nowIso);
    expect(expired).toMatchObject({ phase: 'Expired', podName: 'p1', nodeName: 'node-1', boundTime: earlier });
    expect(expired.podIP).toBeUndefined();
    expect(expired.conditions?.[0]).toMatchObject({ status: 'False', reason: 'TTLExpired', lastTransitionTime: nowIso });
    const again = claimStatus(bound, { phase: 'Bound', reason: 'PodBound', message: 'holds pod p1', pod: boundPod(earlier) }, nowIso);
    expect(again.conditions?.[0]?.lastTransitionTime).toBe(earlier);
  });

  it('sees no change in a status that only differs in key order or transition time, and a change in any reported field', () => {
    const pending = claimStatus(claim('a'), { phase: 'Pending', reason: 'NoReadyPod', message: 'waiting' }, nowIso);
    const reordered = JSON.parse(
      JSON.stringify({ conditions: pending.conditions, phase: pending.phase, observedGeneration: pending.observedGeneration }),
    );
    expect(
      claimStatusChanged(
        reordered,
        claimStatus(claim('a'), { phase: 'Pending', reason: 'NoReadyPod', message: 'waiting' }, '2026-11-24T15:00:00.000Z'),
      ),
    ).toBe(false);
    expect(claimStatusChanged(pending, { ...pending, podName: 'p2' })).toBe(true);
    expect(claimStatusChanged(undefined, pending)).toBe(true);
    expect(claimStatusChanged(pending, claimStatus(claim('a'), { phase: 'Pending', reason: 'NoReadyPod', message: 'other' }, nowIso))).toBe(
      true,
    );
  });
});
