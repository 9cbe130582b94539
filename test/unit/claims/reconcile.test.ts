import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { poolKey } from '../../../src/api/pool-key.js';
import { RESERVED_BY_ANNOTATION, RESERVED_BY_CALLER_ANNOTATION, STATE_LABEL } from '../../../src/api/labels.js';
import { owningClaimUid } from '../../../src/claims/identity.js';
import { RecentBinds } from '../../../src/claims/recent-binds.js';
import { CONTENTION_RETRY_MS, PENDING_RESYNC_MS, reconcileClaims, type ClaimReconcileDeps } from '../../../src/claims/reconcile.js';
import { PodpoolError } from '../../../src/errors.js';
import { logger } from '../../../src/log.js';
import { PodClaims } from '../../../src/reservations/claims.js';
import { FakeCluster, NAMESPACE, POOL, readyPod, seededRandom, warmingPod } from '../reservations/fakes.js';
import { FakeClaims, FakeEvents } from './fakes.js';

const KEY = poolKey(NAMESPACE, POOL);
let nowMs = Date.parse('2026-11-24T14:00:00.000Z');

interface Harness {
  cluster: FakeCluster;
  claims: FakeClaims;
  events: FakeEvents;
  unmet: string[];
  deps: ClaimReconcileDeps;
  /** Pods on the server owned by a claim, by claim name. */
  held(): Map<string, string>;
}

function harness(options: { pools?: string[]; livePools?: string[] } = {}): Harness {
  const cluster = new FakeCluster(options.pools ?? [POOL]);
  const claims = new FakeClaims();
  const events = new FakeEvents();
  const unmet: string[] = [];
  const live = new Set(options.livePools ?? options.pools ?? [POOL]);
  const deps: ClaimReconcileDeps = {
    claims,
    pools: cluster,
    podWriter: cluster,
    statusWriter: claims,
    readClaim: (namespace, name) => claims.readClaim(namespace, name),
    readPool: async (_namespace, name) => (live.has(name) ? { metadata: { name } } : undefined),
    unmetDemand: { record: (_namespace, _pool, user) => (unmet.push(user), true) },
    events,
    podClaims: new PodClaims(),
    recentBinds: new RecentBinds(),
    maxConflicts: 5,
    log: logger.child({ test: 'claims' }),
    clock: { now: () => nowMs },
    random: seededRandom(3),
  };
  const held = (): Map<string, string> => {
    const byClaim = new Map<string, string>();
    for (const pod of cluster.server.values()) {
      const uid = owningClaimUid(pod);
      if (uid !== undefined) byClaim.set(uid.replace(/^uid-/, ''), pod.metadata?.name ?? '');
    }
    return byClaim;
  };
  return { cluster, claims, events, unmet, deps, held };
}

afterEach(() => {
  nowMs = Date.parse('2026-11-24T14:00:00.000Z');
});

describe('reconcileClaims', () => {
  it('binds the oldest claims first, one ready pod each, and leaves the rest Pending as unmet demand', async () => {
    const h = harness();
    h.cluster.put(readyPod('p1'));
    h.cluster.put(readyPod('p2'));
    h.cluster.put(warmingPod('p3'));
    h.claims.add('late', { created: '2026-11-24T13:00:03Z' });
    h.claims.add('first', { created: '2026-11-24T13:00:01Z', spec: { user: 'alice', podLabels: { team: 'blue' } } });
    h.claims.add('second', { created: '2026-11-24T13:00:02Z' });

    const result = await reconcileClaims(KEY, h.deps);

    expect(result).toEqual({ requeueAfterMs: PENDING_RESYNC_MS, bound: 2, pending: 1 });
    expect([...h.held().keys()].sort()).toEqual(['first', 'second']);
    expect(new Set(h.held().values()).size).toBe(2);
    expect(h.claims.phaseOf('first')).toBe('Bound');
    expect(h.claims.phaseOf('second')).toBe('Bound');
    expect(h.claims.phaseOf('late')).toBe('Pending');
    expect(h.claims.get('late')?.status?.conditions?.[0]).toMatchObject({ type: 'Bound', status: 'False', reason: 'NoReadyPod' });
    expect(h.unmet).toEqual(['claim:uid-late']);
    expect(h.events.recorded.map((e) => `${e.name} ${e.reason}`).sort()).toEqual(['first PodBound', 'late NoReadyPod', 'second PodBound']);

    // The hand-over: reserved for the claim's user, with the claim as owner and caller, plus its labels.
    const pod = h.cluster.server.get(`${NAMESPACE}/${h.held().get('first')}`) as V1Pod;
    expect(pod.metadata?.labels).toMatchObject({ [STATE_LABEL]: 'reserved', team: 'blue' });
    expect(pod.metadata?.annotations).toMatchObject({
      [RESERVED_BY_ANNOTATION]: 'alice',
      [RESERVED_BY_CALLER_ANNOTATION]: 'podpool.dev/claim:team-a/first',
    });
    expect(pod.metadata?.ownerReferences).toEqual([
      { apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPoolClaim', name: 'first', uid: 'uid-first', controller: true },
    ]);
    expect(h.claims.get('first')?.status).toMatchObject({
      podName: pod.metadata?.name,
      podIP: '10.0.0.1',
      nodeName: `node-${pod.metadata?.name}`,
    });
  });

  it('binds a Pending claim once a pod turns Ready, and writes nothing when nothing changed', async () => {
    const h = harness();
    h.cluster.put(warmingPod('p1'));
    h.claims.add('waiting');
    await reconcileClaims(KEY, h.deps);
    expect(h.claims.phaseOf('waiting')).toBe('Pending');
    const writes = h.claims.writes.length;
    await reconcileClaims(KEY, h.deps);
    expect(h.claims.writes).toHaveLength(writes);
    expect(h.events.recorded.filter((e) => e.reason === 'NoReadyPod')).toHaveLength(1);

    h.cluster.put(readyPod('p1', POOL, '9'));
    const result = await reconcileClaims(KEY, h.deps);
    expect(result.bound).toBe(1);
    expect(h.claims.phaseOf('waiting')).toBe('Bound');
    expect(h.held().get('waiting')).toBe('p1');
  });

  it('never binds a claim twice while the cache has not caught up with its pod', async () => {
    const h = harness();
    h.cluster.autoSync = false;
    h.cluster.put(readyPod('p1'));
    h.cluster.put(readyPod('p2'));
    h.cluster.syncCache();
    h.claims.add('one');
    h.claims.conflictsLeft = 1;
    // The hand-over lands, its status write loses a race: the next reconcile must not take p2 too.
    const first = await reconcileClaims(KEY, h.deps);
    expect(first.bound).toBe(1);
    expect(h.claims.phaseOf('one')).toBeUndefined();
    const second = await reconcileClaims(KEY, h.deps);
    expect(second.bound).toBe(0);
    expect(h.claims.phaseOf('one')).toBe('Bound');
    expect(h.cluster.reservedOnServer()).toHaveLength(1);
  });

  it('never takes a pod an API caller holds, and retries soon after losing every race', async () => {
    const h = harness();
    const held = readyPod('p1');
    held.metadata!.labels![STATE_LABEL] = 'reserved';
    h.cluster.put(held);
    h.claims.add('c');
    await reconcileClaims(KEY, h.deps);
    expect(h.claims.phaseOf('c')).toBe('Pending');
    expect(h.cluster.writes).toEqual([]);

    // A ready pod whose every write conflicts (others keep reserving before us): Pending, retried soon.
    const contended = harness();
    contended.deps.maxConflicts = 1;
    contended.cluster.autoSync = false;
    contended.cluster.put(readyPod('p1'));
    contended.cluster.syncCache();
    contended.cluster.put(readyPod('p1'));
    contended.claims.add('c');
    const result = await reconcileClaims(KEY, contended.deps);
    expect(result).toMatchObject({ bound: 0, pending: 1, requeueAfterMs: CONTENTION_RETRY_MS });
  });

  it('expires a claim at its TTL: deletes the pod, reports Expired, and asks to be called at the TTL', async () => {
    const h = harness();
    h.cluster.put(readyPod('p1'));
    h.claims.add('short', { spec: { ttlSeconds: 60 } });
    const bound = await reconcileClaims(KEY, h.deps);
    expect(bound.requeueAfterMs).toBe(60_000);
    nowMs += 60_000;
    await reconcileClaims(KEY, h.deps);
    expect(h.cluster.deletes).toEqual(['p1']);
    expect(h.claims.get('short')?.status).toMatchObject({ phase: 'Expired', podName: 'p1', conditions: [{ reason: 'TTLExpired' }] });
    // Final: a new ready pod is not bound to it.
    h.cluster.put(readyPod('p2'));
    await reconcileClaims(KEY, h.deps);
    expect(h.cluster.reservedOnServer()).toEqual([]);
  });

  it('fails a claim whose pool the API server does not have either, and waits when only the cache lags', async () => {
    const h = harness({ pools: [], livePools: [] });
    h.claims.add('orphan');
    await reconcileClaims(KEY, h.deps);
    expect(h.claims.get('orphan')?.status).toMatchObject({
      phase: 'Failed',
      conditions: [{ reason: 'PoolNotFound', message: expect.stringContaining(POOL) }],
    });
    expect(h.events.recorded).toEqual([{ name: 'orphan', type: 'Warning', reason: 'PoolNotFound' }]);

    const lagging = harness({ pools: [], livePools: [POOL] });
    lagging.claims.add('early');
    await reconcileClaims(KEY, lagging.deps);
    expect(lagging.claims.phaseOf('early')).toBe('Pending');
  });

  it('fails a Bound claim whose pod was deleted by someone else, after checking the API server', async () => {
    const h = harness();
    h.cluster.put(readyPod('p1'));
    h.claims.add('c');
    await reconcileClaims(KEY, h.deps);
    h.deps.recentBinds.forget('uid-c');
    await h.cluster.delete(NAMESPACE, 'p1', 'uid-p1');
    await reconcileClaims(KEY, h.deps);
    expect(h.claims.get('c')?.status).toMatchObject({ phase: 'Failed', podName: 'p1', conditions: [{ reason: 'PodDeleted' }] });
  });

  it('fails a claim whose hand-over the API server rejects as invalid, and retries other failures', async () => {
    const h = harness();
    h.cluster.put(readyPod('p1'));
    h.claims.add('bad');
    h.cluster.failNextWrite = new PodpoolError('Internal', 'reserving pod failed: HTTP 422', {
      cause: new ApiException(422, 'invalid', {}, {}),
    });
    await reconcileClaims(KEY, h.deps);
    expect(h.claims.get('bad')?.status).toMatchObject({ phase: 'Failed', conditions: [{ reason: 'BindFailed' }] });

    const flaky = harness();
    flaky.cluster.put(readyPod('p1'));
    flaky.claims.add('c');
    flaky.cluster.failNextWrite = new PodpoolError('Unavailable', 'reserving pod failed: HTTP 503');
    await expect(reconcileClaims(KEY, flaky.deps)).rejects.toThrow(/HTTP 503/);
    expect(flaky.claims.phaseOf('c')).toBeUndefined();
    await reconcileClaims(KEY, flaky.deps);
    expect(flaky.claims.phaseOf('c')).toBe('Bound');
  });

  it('deletes the pod of a deleted claim (a release), and nothing else; no requeue', async () => {
    const h = harness();
    h.cluster.put(readyPod('p1'));
    h.cluster.put(readyPod('p2'));
    h.claims.add('gone');
    h.claims.add('stays');
    await reconcileClaims(KEY, h.deps);
    const kept = h.held().get('stays');
    h.claims.delete('gone');
    expect(await reconcileClaims(KEY, h.deps)).toMatchObject({ bound: 0, pending: 0 });
    expect([...h.held().keys()]).toEqual(['stays']);
    expect(h.cluster.deletes).toHaveLength(1);
    h.claims.delete('stays');
    expect(await reconcileClaims(KEY, h.deps)).toEqual({ requeueAfterMs: 0, bound: 0, pending: 0 });
    expect(h.cluster.deletes.sort()).toEqual(['p1', 'p2'].sort());
    expect(kept).toBeDefined();
  });

  it('keeps the pod of a claim the cache does not show while the API server still has it', async () => {
    const h = harness();
    h.cluster.put(readyPod('p1'));
    h.claims.add('c');
    await reconcileClaims(KEY, h.deps);
    const hidden = {
      ...h.deps,
      claims: { ...h.claims, claimsOf: () => [], hasClaims: () => false, poolKeys: () => [], hasSynced: () => true },
    };
    await reconcileClaims(KEY, hidden);
    expect(h.cluster.deletes).toEqual([]);
  });
});
