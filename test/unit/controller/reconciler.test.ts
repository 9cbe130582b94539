import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { POOL_LABEL, RESERVED_AT_ANNOTATION, STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../../src/api/labels.js';
import { ReconcileFailed } from '../../../src/controller/problems.js';
import { Reconciler, RESYNC_MS } from '../../../src/controller/reconciler.js';
import { FakeClock, FakeCluster, KEY, POOL_UID, reservedAnnotations } from './fakes.js';

let clock: FakeClock;
let cluster: FakeCluster;
let reconciler: Reconciler;

beforeEach(() => {
  clock = new FakeClock();
  cluster = new FakeCluster(clock);
  reconciler = new Reconciler({ cache: cluster, pods: cluster, status: cluster, events: cluster, clock, log: pino({ level: 'silent' }) });
});

describe('Reconciler: creating and deleting', () => {
  it('creates pods of the current template to fill the pool, owned by it, and says so', async () => {
    const pool = cluster.addPool({ replicas: 3 });
    await reconciler.reconcile(KEY);
    expect(cluster.created).toHaveLength(3);
    for (const name of cluster.created) {
      const pod = cluster.pods.get(name)!;
      expect(pod.metadata?.labels).toMatchObject({ [POOL_LABEL]: 'sandboxes', [STATE_LABEL]: 'warming' });
      expect(pod.metadata?.labels?.[TEMPLATE_HASH_LABEL]).toMatch(/^[0-9a-f]{10}$/);
      expect(pod.metadata?.ownerReferences).toEqual([expect.objectContaining({ uid: pool.metadata.uid, controller: true })]);
    }
    expect(cluster.events).toContainEqual(
      expect.objectContaining({ type: 'Normal', reason: 'ScaledUp', message: expect.stringMatching(/^created 3 pods: /) }),
    );
  });

  it('keeps one more warm pod for each claim waiting for a pod, and writes the count to status', async () => {
    let waiting = 4;
    const withClaims = new Reconciler({
      cache: cluster,
      pods: cluster,
      status: cluster,
      events: cluster,
      clock,
      log: pino({ level: 'silent' }),
      claims: { waitingFor: (key) => (key === KEY ? waiting : 0) },
    });
    // No spec.replicas: the controller follows the engine, targetReadyPods 2 with no demand yet.
    cluster.addPool({ targetReadyPods: 2, minPoolSize: 0 });
    await withClaims.reconcile(KEY);
    expect(cluster.created).toHaveLength(6);
    expect(cluster.pool().status).toMatchObject({ waitingClaims: 4, desiredReplicas: 6 });
    expect(cluster.condition('ScalingActive')?.message).toContain('+ 4 for claims waiting for a pod');
    waiting = 0;
    await withClaims.reconcile(KEY);
    expect(cluster.pool().status?.waitingClaims).toBe(0);
  });

  it('does not create again while the cache has not caught up with its creates', async () => {
    cluster.addPool({ replicas: 3 });
    cluster.autoSync = false;
    await reconciler.reconcile(KEY);
    await reconciler.reconcile(KEY);
    expect(cluster.created).toHaveLength(3);
    cluster.syncCache();
    await reconciler.reconcile(KEY);
    expect(cluster.created).toHaveLength(3);
  });

  it('deletes surplus ready pods and never a reserved one', async () => {
    cluster.addPool({ replicas: 1 });
    for (const name of ['r1', 'r2', 'r3']) cluster.addPod(name);
    for (const name of ['held1', 'held2'])
      cluster.addPod(name, { state: 'reserved', annotations: reservedAnnotations(clock.now() - 1000), owned: false });
    await reconciler.reconcile(KEY);
    expect(cluster.deleted).toHaveLength(2);
    expect(cluster.podsInState('ready')).toHaveLength(1);
    expect(cluster.podsInState('reserved')).toEqual(['held1', 'held2']);
    expect(cluster.eventReasons()).toContain('ScaledDown');
  });

  it('replaces ready pods of an old template only as fresh ones become ready', async () => {
    cluster.addPool({ replicas: 2 });
    cluster.addPod('old1', { hash: 'old' });
    cluster.addPod('old2', { hash: 'old' });
    await reconciler.reconcile(KEY);
    expect(cluster.created).toHaveLength(2);
    expect(cluster.deleted).toEqual([]);

    cluster.markReady(cluster.created[0]!);
    await reconciler.reconcile(KEY);
    expect(cluster.deleted).toHaveLength(1);
    cluster.markReady(cluster.created[1]!);
    await reconciler.reconcile(KEY);
    expect([...cluster.deleted].sort()).toEqual(['old1', 'old2']);
    expect(cluster.created).toHaveLength(2);
  });

  it('relabels pods whose readiness changed', async () => {
    cluster.addPool({ replicas: 1 });
    cluster.addPod('p1', { state: 'warming' });
    cluster.markReady('p1');
    await reconciler.reconcile(KEY);
    expect(cluster.podsInState('ready')).toEqual(['p1']);
    expect(cluster.created).toEqual([]);
  });
});

describe('Reconciler: reserved pods', () => {
  it('takes reserved pods out of the pool and stamps a reserved-at time on those reserved by hand', async () => {
    cluster.addPool({ replicas: 0 });
    cluster.addPod('by-hand', { state: 'reserved' });
    await reconciler.reconcile(KEY);
    const pod = cluster.pods.get('by-hand')!;
    expect(pod.metadata?.ownerReferences).toBeUndefined();
    expect(pod.metadata?.annotations?.[RESERVED_AT_ANNOTATION]).toBe(new Date(clock.now()).toISOString());
    expect(cluster.pool().status?.totalReservations).toBe(1);
  });

  it('ends sessions whose TTL has passed and looks again when the next one ends', async () => {
    cluster.addPool({ replicas: 0 });
    cluster.addPod('done', { state: 'reserved', annotations: reservedAnnotations(clock.now() - 120_000, 60), owned: false });
    cluster.addPod('soon', { state: 'reserved', annotations: reservedAnnotations(clock.now() - 55_000, 60), owned: false });
    const { requeueAfterMs } = await reconciler.reconcile(KEY);
    expect(cluster.deleted).toEqual(['done']);
    expect(requeueAfterMs).toBe(5_000);
  });

  it('keeps ending the sessions of a deleted pool until none is left', async () => {
    cluster.addPool({ replicas: 0 });
    cluster.addPod('done', { state: 'reserved', annotations: reservedAnnotations(clock.now() - 120_000, 60), owned: false });
    cluster.addPod('later', { state: 'reserved', annotations: reservedAnnotations(clock.now(), 60), owned: false });
    cluster.deletePool();
    expect(await reconciler.reconcile(KEY)).toEqual({ requeueAfterMs: 60_000 });
    expect(cluster.deleted).toEqual(['done']);
    clock.ms += 60_000;
    expect(await reconciler.reconcile(KEY)).toEqual({ requeueAfterMs: 0 });
    expect(cluster.deleted).toEqual(['done', 'later']);
  });
});

describe('Reconciler: problems', () => {
  it('reports failed creates in Degraded and a Warning event, and rejects so the pool is retried', async () => {
    cluster.addPool({ replicas: 4 });
    cluster.failures.creates = { fromCreate: 1, error: new Error('exceeded quota') };
    const failed = await reconciler.reconcile(KEY).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ReconcileFailed);
    expect((failed as ReconcileFailed).problems).toEqual([{ reason: 'PodCreateFailed', message: 'exceeded quota' }]);
    expect(cluster.created).toHaveLength(1);
    expect(cluster.condition('Degraded')).toMatchObject({
      status: 'True',
      reason: 'PodCreateFailed',
      message: 'PodCreateFailed: exceeded quota',
    });
    expect(cluster.events).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'PodCreateFailed', message: 'exceeded quota' }),
    );
  });

  it('goes on with every other write when one reserved pod cannot be handed over', async () => {
    cluster.addPool({ replicas: 2 });
    cluster.addPod('stuck', { state: 'reserved' });
    cluster.addPod('fine', { state: 'reserved' });
    cluster.failures.patches = new Map([['stuck', new Error('etcd timeout')]]);
    await expect(reconciler.reconcile(KEY)).rejects.toThrow('PodPatchFailed: stuck: etcd timeout');
    expect(cluster.pods.get('fine')?.metadata?.ownerReferences).toBeUndefined();
    expect(cluster.created).toHaveLength(2);
    expect(cluster.condition('Degraded')).toMatchObject({ status: 'True', reason: 'PodPatchFailed' });
  });

  it('names every pod whose delete failed, in one event per reason', async () => {
    cluster.addPool({ replicas: 0 });
    cluster.addPod('a');
    cluster.addPod('b');
    cluster.failures.deletes = new Map([
      ['a', new Error('boom')],
      ['b', new Error('bang')],
    ]);
    await expect(reconciler.reconcile(KEY)).rejects.toBeInstanceOf(ReconcileFailed);
    const warnings = cluster.events.filter((event) => event.reason === 'PodDeleteFailed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message.split('; ').sort()).toEqual(['a: boom', 'b: bang']);
  });

  it('clears Degraded once the writes succeed again', async () => {
    cluster.addPool({ replicas: 1 });
    cluster.failures.creates = { fromCreate: 0, error: new Error('exceeded quota') };
    await expect(reconciler.reconcile(KEY)).rejects.toThrow();
    cluster.failures = {};
    await reconciler.reconcile(KEY);
    expect(cluster.condition('Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
  });

  it('repairs pods the webhook never saw and says so without failing the reconcile', async () => {
    cluster.addPool({ replicas: 1 });
    cluster.addPod('hand', { hash: '', state: 'warming', owned: false });
    await reconciler.reconcile(KEY);
    const pod = cluster.pods.get('hand')!;
    expect(pod.metadata?.labels?.[TEMPLATE_HASH_LABEL]).toMatch(/^[0-9a-f]{10}$/);
    expect(pod.metadata?.ownerReferences).toEqual([expect.objectContaining({ uid: POOL_UID, controller: true })]);
    expect(cluster.condition('Degraded')).toMatchObject({ status: 'True', reason: 'WebhookNotCalled' });
    expect(cluster.eventReasons()).toContain('WebhookNotCalled');
    expect(cluster.created).toEqual([]);
  });
});

describe('Reconciler: status', () => {
  it('writes counts, the wanted count and conditions, and writes nothing when nothing changed', async () => {
    cluster.addPool({ replicas: 2 });
    cluster.addPod('r1');
    cluster.addPod('w1', { state: 'warming' });
    cluster.addPod('held', { state: 'reserved', annotations: reservedAnnotations(clock.now() - 1000), owned: false });
    const { requeueAfterMs } = await reconciler.reconcile(KEY);
    expect(requeueAfterMs).toBe(RESYNC_MS);
    expect(cluster.pool().status).toMatchObject({ replicas: 2, readyPods: 1, warmingPods: 1, reservedPods: 1, observedGeneration: 1 });
    expect(cluster.condition('Ready')).toMatchObject({ status: 'False', reason: 'Warming' });
    const writes = cluster.statusWrites.length;
    await reconciler.reconcile(KEY);
    expect(cluster.statusWrites).toHaveLength(writes);
  });

  it('lets a status conflict reject the reconcile, to be retried on the newer pool', async () => {
    cluster.addPool({ replicas: 1 });
    const stale = cluster.pool();
    const reader = {
      getPool: () => structuredClone({ ...stale, metadata: { ...stale.metadata, resourceVersion: '1' } }),
      podsOf: () => [],
    };
    const onStaleCache = new Reconciler({
      cache: reader,
      pods: cluster,
      status: cluster,
      events: cluster,
      clock,
      log: pino({ level: 'silent' }),
    });
    await expect(onStaleCache.reconcile(KEY)).rejects.toMatchObject({ code: 409 });
  });
});
