import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL, STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../src/api/labels.js';
import type { PodPool } from '../../src/api/schema.js';
import {
  adminKubeConfig,
  createNamespace,
  createPodPool,
  DEFAULT_WAIT_MS,
  eventually,
  installCrd,
  kubectl,
  TEST_POD_TEMPLATE,
  timeoutAfterWaits,
} from './support/cluster.js';
import { scrape, sumOf } from '../../dev/probes/metrics.js';
import { OPERATOR_READY_TIMEOUT_MS, startOperatorProcess, type OperatorProcess } from './support/operator.js';

const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };

describe('the PodPool controller against a real API server and kwok', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let namespace: string;
  let operator: OperatorProcess;

  const getPool = async (name: string): Promise<PodPool> =>
    (await custom.getNamespacedCustomObject({ ...ref, namespace, name })) as PodPool;
  const podsOf = async (pool: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `${POOL_LABEL}=${pool}` })).items.filter(
      (p) => p.metadata?.deletionTimestamp === undefined,
    );
  const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const readyCount = async (pool: string, count: number): Promise<V1Pod[] | undefined> => {
    const pods = (await podsOf(pool)).filter((p) => p.metadata?.labels?.[STATE_LABEL] !== 'reserved');
    return pods.length === count && pods.every(isReady) ? pods : undefined;
  };
  const createPool = (name: string, spec: Record<string, unknown>): Promise<void> =>
    createPodPool(kc, namespace, name, {
      scaleDownStabilizationSeconds: 0,
      warmupSeconds: 5,
      podTemplate: { metadata: { labels: { app: name } }, ...TEST_POD_TEMPLATE },
      ...spec,
    });
  const reserveByHand = (pod: string): void => {
    expect(kubectl(['label', 'pod', pod, '-n', namespace, `${STATE_LABEL}=reserved`, '--overwrite']).status).toBe(0);
  };

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrd(kc);
    namespace = await createNamespace(kc, 'ctrl');
    operator = await startOperatorProcess({ leaseNamespace: namespace, identity: 'op-a' });
  });

  afterAll(async () => {
    await operator?.stop();
  });

  it(
    'fills a pool from 0 to its ready buffer with Ready pods and reports status',
    async () => {
      await createPool('fill', { targetReadyPods: 6 });
      const pods = await eventually(
        '6 Ready pods labelled ready',
        async () => {
          const ready = await readyCount('fill', 6);
          return ready?.every((p) => p.metadata?.labels?.[STATE_LABEL] === 'ready') ? ready : undefined;
        },
        45_000,
      );
      for (const pod of pods) {
        expect(pod.metadata?.labels).toMatchObject({ [POOL_LABEL]: 'fill', [STATE_LABEL]: 'ready', app: 'fill' });
        expect(pod.metadata?.labels?.[TEMPLATE_HASH_LABEL]).toMatch(/^[0-9a-f]{10}$/);
        expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'PodPool', name: 'fill', controller: true });
      }
      const pool = await eventually('status to show the pods', async () => {
        const current = await getPool('fill');
        return current.status?.readyPods === 6 ? current : undefined;
      });
      expect(pool.status).toMatchObject({ replicas: 6, warmingPods: 0, reservedPods: 0, desiredReplicas: 6, observedGeneration: 1 });
      expect(pool.status?.selector).toBe('podpool.dev/pool=fill,podpool.dev/state in (ready,warming)');
      const types = Object.fromEntries((pool.status?.conditions ?? []).map((c) => [c.type, c.status]));
      expect(types).toEqual({ Ready: 'True', ScalingActive: 'True', ScalingLimited: 'False', Degraded: 'False' });
      // Settled: nothing changes the pool while the cluster is quiet.
      const settled = (await getPool('fill')).metadata.resourceVersion;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect((await getPool('fill')).metadata.resourceVersion).toBe(settled);
      const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=fill' });
      expect(events.items.some((e) => e.reason === 'ScaledUp')).toBe(true);
    },
    timeoutAfterWaits(45_000, DEFAULT_WAIT_MS, 3_000),
  );

  it(
    'follows kubectl scale, and never deletes reserved pods when scaling down',
    async () => {
      await createPool('scale', { targetReadyPods: 2 });
      await eventually('2 Ready pods', () => readyCount('scale', 2), 45_000);
      expect(kubectl(['scale', 'pp/scale', '--replicas=5', '-n', namespace]).status).toBe(0);
      const five = await eventually('5 Ready pods', () => readyCount('scale', 5), 45_000);
      reserveByHand(five[0]?.metadata?.name ?? '');
      reserveByHand(five[1]?.metadata?.name ?? '');
      // Two reserved pods left the warm pool, so it refills to 5 warm pods.
      await eventually('refill to 5 warm pods', () => readyCount('scale', 5), 45_000);
      expect(kubectl(['scale', 'pp/scale', '--replicas=0', '-n', namespace]).status).toBe(0);
      await eventually('warm pods gone', () => readyCount('scale', 0), 45_000);
      const left = await podsOf('scale');
      expect(left.map((p) => p.metadata?.name).sort()).toEqual([five[0]?.metadata?.name, five[1]?.metadata?.name].sort());
      for (const pod of left) {
        expect(pod.metadata?.ownerReferences ?? []).toEqual([]);
        expect(pod.metadata?.annotations?.['podpool.dev/reserved-at']).toBeDefined();
      }
      const pool = await eventually('reservations counted', async () => {
        const current = await getPool('scale');
        return current.status?.totalReservations === 2 && current.status.reservedPods === 2 ? current : undefined;
      });
      expect(pool.status?.currentVelocity).toBeGreaterThan(0);
    },
    timeoutAfterWaits(45_000, 45_000, 45_000, 45_000, DEFAULT_WAIT_MS),
  );

  it(
    'replaces ready pods of an old template but not reserved ones',
    async () => {
      // spec.replicas pins the count: with the engine in charge a reservation would add a pod for expected demand.
      await createPool('tmpl', { replicas: 3 });
      const before = await eventually('3 Ready pods', () => readyCount('tmpl', 3), 45_000);
      const reservedName = before[0]?.metadata?.name ?? '';
      reserveByHand(reservedName);
      await eventually('refill', () => readyCount('tmpl', 3), 45_000);
      await custom.patchNamespacedCustomObject({
        ...ref,
        namespace,
        name: 'tmpl',
        body: [{ op: 'add', path: '/spec/podTemplate/metadata/labels/version', value: 'two' }],
      });
      const after = await eventually(
        '3 Ready pods of the new template',
        async () => {
          const pods = await readyCount('tmpl', 3);
          return pods?.every((p) => p.metadata?.labels?.version === 'two') ? pods : undefined;
        },
        60_000,
      );
      expect(after.map((p) => p.metadata?.name)).not.toContain(reservedName);
      const reserved = await core.readNamespacedPod({ namespace, name: reservedName });
      expect(reserved.metadata?.deletionTimestamp).toBeUndefined();
      expect(reserved.metadata?.labels?.version).toBeUndefined();
    },
    timeoutAfterWaits(45_000, 45_000, 60_000),
  );

  it(
    'replaces a failed pod',
    async () => {
      await createPool('fail', { targetReadyPods: 2 });
      const pods = await eventually('2 Ready pods', () => readyCount('fail', 2), 45_000);
      const victim = pods[0]?.metadata?.name ?? '';
      await core.patchNamespacedPodStatus({ name: victim, namespace, body: [{ op: 'replace', path: '/status/phase', value: 'Failed' }] });
      const replaced = await eventually(
        'a replacement',
        async () => {
          const current = await readyCount('fail', 2);
          return current?.every((p) => p.metadata?.name !== victim) ? current : undefined;
        },
        45_000,
      );
      expect(replaced).toHaveLength(2);
    },
    timeoutAfterWaits(45_000, 45_000),
  );

  it(
    'keeps reservation history across an operator restart',
    async () => {
      const before = await getPool('scale');
      const history = before.status?.reservationHistory;
      await operator.stop();
      operator = await startOperatorProcess({ leaseNamespace: namespace, identity: 'op-a2' });
      await custom.patchNamespacedCustomObject({
        ...ref,
        namespace,
        name: 'scale',
        body: [{ op: 'replace', path: '/spec/targetReadyPods', value: 1 }],
      });
      const after = await eventually(
        'the restarted operator to reconcile',
        async () => {
          const current = await getPool('scale');
          return current.status?.observedGeneration === current.metadata.generation ? current : undefined;
        },
        30_000,
      );
      expect(after.status?.totalReservations).toBe(2);
      expect(after.status?.reservationHistory?.counts).toEqual(history?.counts);
      expect(after.status?.currentVelocity).toBeGreaterThan(0);
    },
    timeoutAfterWaits(OPERATOR_READY_TIMEOUT_MS, 30_000),
  );

  it(
    'runs the controller on one of two operators only, and fails over within 20 s without duplicate pods',
    async () => {
      const second = await startOperatorProcess({ leaseNamespace: namespace, identity: 'op-b' });
      try {
        const leases = kc.makeApiClient(CoordinationV1Api);
        const holder = async (): Promise<string | undefined> =>
          (await leases.readNamespacedLease({ name: 'podpool-controller', namespace })).spec?.holderIdentity;
        expect(await holder()).toBe('op-a2');
        await createPool('ha', { targetReadyPods: 4 });
        const before = (await eventually('4 Ready pods', () => readyCount('ha', 4), 45_000)).map((pod) => pod.metadata?.name ?? '').sort();
        // The standby serves metrics but has reconciled nothing: its reconcile histogram counts 0
        // where the leader's, scraped the same moment, counts the work just done.
        const [leaderMetrics, standbyMetrics] = await Promise.all([scrape(operator.metricsPort), scrape(second.metricsPort)]);
        expect(sumOf(leaderMetrics, 'podpool_reconcile_duration_seconds_count')).toBeGreaterThan(0);
        expect(standbyMetrics).toMatch(/^podpool_reconcile_duration_seconds_count 0$/m);
        expect(standbyMetrics).toMatch(/^podpool_leader 0$/m);
        expect(sumOf(standbyMetrics, 'podpool_pods_created_total')).toBe(0);
        expect(sumOf(standbyMetrics, 'podpool_pods_deleted_total')).toBe(0);

        const killedAt = Date.now();
        await operator.kill();
        await eventually('op-b to take the lease', async () => (await holder()) === 'op-b', 25_000);
        expect(Date.now() - killedAt).toBeLessThan(20_000);
        expect(kubectl(['scale', 'pp/ha', '--replicas=7', '-n', namespace]).status).toBe(0);
        // The new leader creates exactly the 3 pods it was missing; they turn Ready beside the old 4.
        const after = (await eventually('7 Ready pods from the new leader', () => readyCount('ha', 7), 60_000))
          .map((pod) => pod.metadata?.name ?? '')
          .sort();
        expect(after).toEqual(expect.arrayContaining(before));
        expect(sumOf(await scrape(second.metricsPort), 'podpool_pods_created_total', { namespace, pool: 'ha' })).toBe(3);
        // Settled: nothing deleted and recreated (the same 7 names, all Ready) a few resyncs later.
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        expect((await readyCount('ha', 7))?.map((pod) => pod.metadata?.name ?? '').sort()).toEqual(after);
        const settled = await scrape(second.metricsPort);
        expect(sumOf(settled, 'podpool_pods_created_total', { namespace, pool: 'ha' })).toBe(3);
        expect(sumOf(settled, 'podpool_pods_deleted_total', { namespace, pool: 'ha' })).toBe(0);
      } finally {
        operator = second;
      }
    },
    timeoutAfterWaits(OPERATOR_READY_TIMEOUT_MS, 45_000, 25_000, 60_000, 5_000),
  );

  it('adopts and repairs a pool pod the webhook never saw, and says the webhook is not being called', async () => {
    // No webhook serves this namespace: a pod created by hand carries only the pool label.
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'by-hand', labels: { [POOL_LABEL]: 'hand' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    });
    await createPool('hand', { replicas: 1 });
    const repaired = await eventually(
      'the hand-made pod to be repaired',
      async () => {
        const pod = await core.readNamespacedPod({ namespace, name: 'by-hand' });
        return pod.metadata?.labels?.[TEMPLATE_HASH_LABEL] !== undefined && pod.metadata.labels[STATE_LABEL] === 'ready' ? pod : undefined;
      },
      30_000,
    );
    expect(repaired.metadata?.labels?.[TEMPLATE_HASH_LABEL]).toMatch(/^[0-9a-f]{10}$/);
    expect(repaired.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'PodPool', name: 'hand', controller: true });
    // Adopted as the one wanted pod: the controller creates none of its own.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await podsOf('hand')).map((p) => p.metadata?.name)).toEqual(['by-hand']);
    const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=hand,reason=WebhookNotCalled' });
    expect(events.items[0]?.type).toBe('Warning');
    expect(events.items[0]?.message).toContain('by-hand');
  });

  it(
    'recovers from an API server restart: readiness and new work back within 5 s of the API server',
    async () => {
      // /readyz, sampled through the outage: back within 5 s of the API server being ready, after
      // informers that really lost their watches (or this test proves nothing).
      const restartsBefore = sumOf(await scrape(operator.metricsPort), 'podpool_informer_restarts_total');
      const samples: { at: number; ok: boolean }[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const ok = await fetch(`http://127.0.0.1:${operator.metricsPort}/readyz`).then(
            (r) => r.status === 200,
            () => false,
          );
          samples.push({ at: Date.now(), ok });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const restarted = await fetch(`${inject('controlUrl')}/restart-apiserver`, { method: 'POST' });
      const apiServerReadyAt = Date.now();
      expect(restarted.status).toBe(200);
      try {
        await eventually('/readyz ok after the restart', async () => samples.some((s) => s.at > apiServerReadyAt && s.ok), 20_000, 100);
      } finally {
        sampling = false;
        await sampler;
      }
      expect(
        sumOf(await scrape(operator.metricsPort), 'podpool_informer_restarts_total'),
        'the informers never lost their watches',
      ).toBeGreaterThan(restartsBefore);
      const backAt = samples.find((s) => s.at > apiServerReadyAt && s.ok)?.at ?? Number.POSITIVE_INFINITY;
      expect(backAt - apiServerReadyAt).toBeLessThan(5_000);

      // The watches are back: a pool created now is acted on at once.
      const createdAt = Date.now();
      await createPool('after-restart', { targetReadyPods: 3 });
      await eventually(
        'the first pod of a pool created after the restart',
        async () => (await podsOf('after-restart')).length > 0,
        5_000,
        100,
      );
      expect(Date.now() - createdAt).toBeLessThan(5_000);
      await eventually('3 Ready pods after the restart', () => readyCount('after-restart', 3), 30_000);
      expect(kubectl(['scale', 'pp/after-restart', '--replicas=5', '-n', namespace]).status).toBe(0);
      await eventually('5 Ready pods after the restart', () => readyCount('after-restart', 5), 30_000);
      const readiness = await (await fetch(`http://127.0.0.1:${operator.metricsPort}/readyz`)).text();
      expect(readiness).toContain('podpools: ok');
      // The restart itself waits up to 10 s for the old kube-apiserver to stop and 120 s for the new one.
    },
    timeoutAfterWaits(130_000, 20_000, 5_000, 30_000, 30_000),
  );

  it(
    'ends reservations whose TTL passed, also after their PodPool is deleted',
    async () => {
      await createPool('ttl', { targetReadyPods: 2 });
      const names = (await eventually('2 Ready pods', () => readyCount('ttl', 2), 45_000)).map((p) => p.metadata?.name ?? '');
      const [short, long] = [names[0] ?? '', names[1] ?? ''];
      const gone = async (name: string): Promise<boolean> => {
        try {
          return (await core.readNamespacedPod({ namespace, name })).metadata?.deletionTimestamp !== undefined;
        } catch (error) {
          return (error as { code?: number }).code === 404;
        }
      };
      for (const [pod, ttl] of [
        [short, 2],
        [long, 12],
      ] as const) {
        expect(kubectl(['annotate', 'pod', pod, '-n', namespace, `podpool.dev/reservation-ttl-seconds=${ttl}`]).status).toBe(0);
        reserveByHand(pod);
      }
      await eventually('the 2 s reservation to end', () => gone(short), 20_000);
      expect(await gone(long)).toBe(false);
      await custom.deleteNamespacedCustomObject({ ...ref, namespace, name: 'ttl' });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await gone(long)).toBe(false);
      await eventually('the 12 s reservation to end after its pool is gone', () => gone(long), 30_000);
    },
    timeoutAfterWaits(45_000, 20_000, 1_000, 30_000),
  );

  it(
    'deleting a PodPool removes its warm pods and keeps the reserved ones',
    async () => {
      await createPool('gone', { targetReadyPods: 3 });
      const pods = await eventually('3 Ready pods', () => readyCount('gone', 3), 45_000);
      const keep = pods[0]?.metadata?.name ?? '';
      reserveByHand(keep);
      await eventually('the reserved pod to leave the pool', async () => {
        const pod = await core.readNamespacedPod({ namespace, name: keep });
        return (pod.metadata?.ownerReferences ?? []).length === 0;
      });
      await custom.deleteNamespacedCustomObject({ ...ref, namespace, name: 'gone' });
      await eventually(
        'the garbage collector to delete the warm pods',
        async () => {
          const left = await podsOf('gone');
          return left.length === 1 && left[0]?.metadata?.name === keep;
        },
        60_000,
      );
    },
    timeoutAfterWaits(45_000, DEFAULT_WAIT_MS, 60_000),
  );
});
