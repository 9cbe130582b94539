import { describe, expect, it } from 'vitest';
import {
  RESERVATION_TTL_ANNOTATION,
  RESERVED_AT_ANNOTATION,
  RESERVED_BY_ANNOTATION,
  RESERVED_BY_CALLER_ANNOTATION,
  STATE_LABEL,
} from '../../../src/api/labels.js';
import { PodClaims } from '../../../src/reservations/claims.js';
import { reservationPatch, reserveReadyPod, type ReserveContext } from '../../../src/reservations/reserve.js';
import { FakeCluster, NAMESPACE, POOL, readyPod, seededRandom, warmingPod } from './fakes.js';

const NOW = Date.parse('2026-11-24T14:00:00.123Z');
const REQUEST = { namespace: NAMESPACE, pool: POOL, user: 'alice', caller: 'system:serviceaccount:team-a:frontend' };

function contextFor(cluster: FakeCluster, overrides: Partial<ReserveContext> = {}): ReserveContext {
  return {
    source: cluster,
    writer: cluster,
    claims: new PodClaims(),
    maxConflicts: 5,
    clock: { now: () => NOW },
    random: seededRandom(7),
    ...overrides,
  };
}

describe('reservationPatch', () => {
  it('guards on the resourceVersion, marks the pod reserved, records user and caller and drops its owner', () => {
    const patch = reservationPatch({
      namespace: NAMESPACE,
      podName: 'p',
      resourceVersion: '42',
      user: 'alice',
      caller: 'system:serviceaccount:team-a:frontend',
      reservedAt: '2026-11-24T14:00:00.123Z',
      ttlSeconds: 600,
    });
    expect(patch).toEqual({
      metadata: {
        resourceVersion: '42',
        labels: { [STATE_LABEL]: 'reserved' },
        annotations: {
          [RESERVED_BY_ANNOTATION]: 'alice',
          [RESERVED_BY_CALLER_ANNOTATION]: 'system:serviceaccount:team-a:frontend',
          [RESERVED_AT_ANNOTATION]: '2026-11-24T14:00:00.123Z',
          [RESERVATION_TTL_ANNOTATION]: '600',
        },
        ownerReferences: null,
      },
    });
  });
  it("hands a claim's pod over to the claim: the claim owns it and its labels and annotations are added, never podpool's own keys", () => {
    const owner = { apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPoolClaim', name: 'mine', uid: 'claim-uid', controller: true };
    const patch = reservationPatch({
      namespace: NAMESPACE,
      podName: 'p',
      resourceVersion: '7',
      user: 'bob',
      caller: 'podpool.dev/claim:team-a/mine',
      reservedAt: '2026-11-24T14:00:00.123Z',
      handOver: {
        owner,
        labels: { team: 'blue', [STATE_LABEL]: 'ready', 'x.podpool.dev/pool': 'other' },
        annotations: { note: 'hi', [RESERVED_BY_ANNOTATION]: 'mallory' },
      },
    }) as { metadata: { labels: Record<string, string>; annotations: Record<string, string>; ownerReferences: unknown } };
    expect(patch.metadata.ownerReferences).toEqual([owner]);
    expect(patch.metadata.labels).toEqual({ team: 'blue', [STATE_LABEL]: 'reserved' });
    expect(patch.metadata.annotations).toMatchObject({ note: 'hi', [RESERVED_BY_ANNOTATION]: 'bob' });
  });
  it('clears any ttl annotation when no ttl is asked for', () => {
    const patch = reservationPatch({ namespace: NAMESPACE, podName: 'p', resourceVersion: '1', user: 'a', caller: 'c', reservedAt: 'x' });
    expect((patch.metadata as { annotations: Record<string, unknown> }).annotations[RESERVATION_TTL_ANNOTATION]).toBeNull();
  });
});

describe('reserveReadyPod', () => {
  it('reserves a ready pod with a millisecond RFC 3339 time and the cached resourceVersion', async () => {
    const cluster = new FakeCluster();
    const stored = cluster.put(readyPod('a'));
    const attempt = await reserveReadyPod(contextFor(cluster), { ...REQUEST, ttlSeconds: 60 }, new Set());
    expect(attempt.kind).toBe('reserved');
    expect(cluster.writes).toEqual([
      {
        namespace: NAMESPACE,
        podName: 'a',
        resourceVersion: stored.metadata!.resourceVersion,
        user: 'alice',
        caller: 'system:serviceaccount:team-a:frontend',
        reservedAt: '2026-11-24T14:00:00.123Z',
        ttlSeconds: 60,
      },
    ]);
    expect(cluster.server.get(`${NAMESPACE}/a`)!.metadata!.ownerReferences).toBeUndefined();
  });

  it('never picks warming, reserved or terminating pods, nor pods of another pool', async () => {
    const cluster = new FakeCluster();
    cluster.put(warmingPod('warming'));
    const reserved = readyPod('reserved');
    reserved.metadata!.labels![STATE_LABEL] = 'reserved';
    cluster.put(reserved);
    const terminating = readyPod('terminating');
    terminating.metadata!.deletionTimestamp = new Date(NOW);
    cluster.put(terminating);
    cluster.put(readyPod('other', 'other-pool'));
    const attempt = await reserveReadyPod(contextFor(cluster), REQUEST, new Set());
    expect(attempt).toEqual({ kind: 'no-ready-pod', conflicts: 0 });
    expect(cluster.writes).toEqual([]);
  });

  it('on a conflict moves to another pod and never retries the one it lost', async () => {
    const cluster = new FakeCluster();
    cluster.put(readyPod('a'));
    cluster.put(readyPod('b'));
    cluster.autoSync = false;
    // Another replica reserved a; this cache has not seen it yet.
    await reserveReadyPod(contextFor(cluster, { random: () => 0 }), { ...REQUEST, user: 'bob' }, new Set());
    cluster.writes = [];
    const tried = new Set<string>();
    const attempt = await reserveReadyPod(contextFor(cluster, { random: () => 0 }), REQUEST, tried);
    expect(attempt.kind).toBe('reserved');
    expect(attempt.conflicts).toBe(1);
    expect(cluster.writes.map((write) => write.podName)).toEqual(['a', 'b']);
    expect(tried).toEqual(new Set(['a']));
  });

  it('gives up with contention after maxConflicts lost races', async () => {
    const cluster = new FakeCluster();
    for (let i = 0; i < 5; i += 1) cluster.put(readyPod(`p${i}`));
    cluster.autoSync = false;
    const otherReplica = contextFor(cluster);
    for (let i = 0; i < 5; i += 1) await reserveReadyPod(otherReplica, { ...REQUEST, user: `u${i}` }, new Set());
    const attempt = await reserveReadyPod(contextFor(cluster, { maxConflicts: 3 }), REQUEST, new Set());
    expect(attempt).toEqual({ kind: 'contention', conflicts: 3 });
  });

  it('skips a pod that is gone without counting a conflict', async () => {
    const cluster = new FakeCluster();
    cluster.put(readyPod('a'));
    cluster.put(readyPod('b'));
    cluster.autoSync = false;
    cluster.server.delete(`${NAMESPACE}/a`);
    const attempt = await reserveReadyPod(contextFor(cluster, { random: () => 0 }), REQUEST, new Set());
    expect(attempt).toMatchObject({ kind: 'reserved', conflicts: 0 });
    expect(cluster.writes.map((write) => write.podName)).toEqual(['a', 'b']);
  });

  it('does not pick a pod it just reserved while the cache still shows it ready', async () => {
    const cluster = new FakeCluster();
    cluster.put(readyPod('a'));
    cluster.put(readyPod('b'));
    cluster.autoSync = false;
    const context = contextFor(cluster, { random: () => 0 });
    await reserveReadyPod(context, REQUEST, new Set());
    await reserveReadyPod(context, { ...REQUEST, user: 'bob' }, new Set());
    expect(cluster.writes.map((write) => write.podName)).toEqual(['a', 'b']);
    expect(await reserveReadyPod(context, { ...REQUEST, user: 'carol' }, new Set())).toEqual({ kind: 'no-ready-pod', conflicts: 0 });
  });

  it('lets the pod be tried again after a failed write, and passes the error on', async () => {
    const cluster = new FakeCluster();
    cluster.put(readyPod('a'));
    cluster.failNextWrite = new Error('connection reset');
    const context = contextFor(cluster);
    await expect(reserveReadyPod(context, REQUEST, new Set())).rejects.toThrow('connection reset');
    expect(await reserveReadyPod(context, REQUEST, new Set())).toMatchObject({ kind: 'reserved' });
  });

  it('hands each pod to exactly one of 200 concurrent requests on two replicas with lagging caches', async () => {
    const cluster = new FakeCluster();
    for (let i = 0; i < 50; i += 1) cluster.put(readyPod(`pod-${i}`));
    cluster.autoSync = false;
    const replicas = [contextFor(cluster, { random: seededRandom(1) }), contextFor(cluster, { random: seededRandom(2) })];
    const syncer = setInterval(() => cluster.syncCache(), 0);
    const attempts = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const tried = new Set<string>();
        // As the route does after contention: the client retries.
        for (let retry = 0; retry < 20; retry += 1) {
          const attempt = await reserveReadyPod(replicas[i % 2]!, { ...REQUEST, user: `user-${i}` }, tried);
          if (attempt.kind !== 'contention') return attempt;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        return { kind: 'contention' as const, conflicts: 0 };
      }),
    );
    clearInterval(syncer);
    const reservedPods = attempts.flatMap((attempt) => (attempt.kind === 'reserved' ? [attempt.pod.metadata!.name!] : []));
    expect(reservedPods).toHaveLength(50);
    expect(new Set(reservedPods).size).toBe(50);
    expect(cluster.reservedOnServer()).toHaveLength(50);
    const owners = new Set(cluster.reservedOnServer().map((pod) => pod.metadata!.annotations![RESERVED_BY_ANNOTATION]));
    expect(owners.size).toBe(50);
  });
});
