/**
 * PodPoolClaims against the real API server, with the operator as a child process: binding,
 * waiting for a pod to turn Ready, TTL expiry, deletion (garbage collection of the claimed pod),
 * a missing pool, and the CRD's validation.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLAIM_PLURAL } from '../../src/api/claim-schema.js';
import {
  API_GROUP,
  API_VERSION,
  PLURAL,
  POOL_LABEL,
  RESERVATION_TTL_ANNOTATION,
  RESERVED_BY_ANNOTATION,
  RESERVED_BY_CALLER_ANNOTATION,
  STATE_LABEL,
} from '../../src/api/labels.js';
import type { PodPool } from '../../src/api/schema.js';
import { claimsApi } from './support/claims.js';
import {
  adminKubeConfig,
  createNamespace,
  createPodPool,
  eventually,
  installCrd,
  kubectl,
  TEST_POD_TEMPLATE,
  timeoutAfterWaits,
} from './support/cluster.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';

const poolRef = { group: API_GROUP, version: API_VERSION, plural: PLURAL };

describe('PodPoolClaims against a real API server', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let claims: ReturnType<typeof claimsApi>;
  let namespace: string;
  let operator: OperatorProcess | undefined;

  const podGone = async (name: string): Promise<boolean> => {
    try {
      return (await core.readNamespacedPod({ namespace, name })).metadata?.deletionTimestamp !== undefined;
    } catch (error) {
      return (error as { code?: number }).code === 404;
    }
  };
  const readyPods = async (pool: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `${POOL_LABEL}=${pool},${STATE_LABEL}=ready` })).items.filter(
      (pod) =>
        pod.metadata?.deletionTimestamp === undefined && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  const eventReasons = async (name: string): Promise<string[]> =>
    (
      await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name},involvedObject.kind=PodPoolClaim` })
    ).items.map((event) => `${event.type}/${event.reason}`);

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    claims = claimsApi(kc);
    await installCrd(kc);
    namespace = await createNamespace(kc, 'claims');
    const leaseNamespace = await createNamespace(kc, 'claimsop');
    operator = await startOperatorProcess({ leaseNamespace, identity: 'claims-a' });
    await createPodPool(kc, namespace, 'sandboxes', { replicas: 2, warmupSeconds: 5 });
    await eventually('2 ready pods', async () => (await readyPods('sandboxes')).length === 2, 60_000);
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
  });

  it(
    'binds a claim to a ready pod it then owns, with its labels and annotations, and deleting the claim deletes the pod',
    async () => {
      await claims.create(namespace, 'alice', {
        poolName: 'sandboxes',
        user: 'alice@example.com',
        podLabels: { session: 's-1' },
        podAnnotations: { note: 'hello' },
      });
      const bound = await claims.waitForPhase(namespace, 'alice', 'Bound');
      const podName = bound.status?.podName ?? '';
      const pod = await core.readNamespacedPod({ namespace, name: podName });
      expect(pod.metadata?.labels).toMatchObject({ [STATE_LABEL]: 'reserved', [POOL_LABEL]: 'sandboxes', session: 's-1' });
      expect(pod.metadata?.annotations).toMatchObject({
        note: 'hello',
        [RESERVED_BY_ANNOTATION]: 'alice@example.com',
        [RESERVED_BY_CALLER_ANNOTATION]: `podpool.dev/claim:${namespace}/alice`,
      });
      expect(pod.metadata?.ownerReferences).toEqual([
        { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'PodPoolClaim', name: 'alice', uid: bound.metadata.uid, controller: true },
      ]);
      expect(bound.status).toMatchObject({ podIP: pod.status?.podIP, nodeName: pod.spec?.nodeName, observedGeneration: 1 });
      expect(Date.parse(bound.status?.boundTime ?? '')).toBeGreaterThan(0);
      expect(bound.status?.conditions).toEqual([expect.objectContaining({ type: 'Bound', status: 'True', reason: 'PodBound' })]);
      expect(await eventReasons('alice')).toContain('Normal/PodBound');
      const table = kubectl(['get', 'ppc', 'alice', '-n', namespace]);
      expect(table.stdout).toMatch(/NAME\s+POOL\s+PHASE\s+POD\s+AGE/);
      expect(table.stdout).toMatch(new RegExp(`alice\\s+sandboxes\\s+Bound\\s+${podName}`));
      // The hand-over counts into the pool's demand like a reservation.
      await eventually('the hand-over in the pool status', async () => {
        const pool = (await custom.getNamespacedCustomObject({ ...poolRef, namespace, name: 'sandboxes' })) as PodPool;
        return (pool.status?.totalReservations ?? 0) >= 1 && pool.status?.reservedPods === 1;
      });

      await claims.delete(namespace, 'alice');
      await eventually('the garbage collector to delete the claimed pod', () => podGone(podName), 30_000);
    },
    timeoutAfterWaits(30_000, 30_000, 30_000),
  );

  it(
    'ends a claim at its TTL: the pod is deleted and the claim turns Expired, and stays so',
    async () => {
      await eventually('a ready pod', async () => (await readyPods('sandboxes')).length >= 1, 30_000);
      await claims.create(namespace, 'brief', { poolName: 'sandboxes', ttlSeconds: 3 });
      const bound = await claims.waitForPhase(namespace, 'brief', 'Bound');
      const podName = bound.status?.podName ?? '';
      expect((await core.readNamespacedPod({ namespace, name: podName })).metadata?.annotations?.[RESERVATION_TTL_ANNOTATION]).toBe('3');
      const expired = await claims.waitForPhase(namespace, 'brief', 'Expired', 20_000);
      expect(Date.parse(expired.status?.boundTime ?? '')).toBe(Date.parse(bound.status?.boundTime ?? ''));
      expect(expired.status).toMatchObject({
        podName,
        conditions: [expect.objectContaining({ type: 'Bound', status: 'False', reason: 'TTLExpired' })],
      });
      await eventually('the expired pod to go', () => podGone(podName), 20_000);
      // Ready pods keep coming; an expired claim takes none of them.
      await eventually('a ready pod', async () => (await readyPods('sandboxes')).length >= 1, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await claims.get(namespace, 'brief')).status?.phase).toBe('Expired');
    },
    timeoutAfterWaits(30_000, 30_000, 20_000, 20_000, 30_000),
  );

  it(
    'counts claims waiting for a pod into the pool status and keeps one more warm pod for each',
    async () => {
      // Pods that are never scheduled: the claims wait for as long as the test looks.
      await createPodPool(kc, namespace, 'unschedulable', {
        minPoolSize: 0,
        targetReadyPods: 0,
        maxPoolSize: 20,
        podTemplate: { spec: { ...TEST_POD_TEMPLATE.spec, nodeSelector: { 'podpool.dev/test': 'no-such-node' } } },
      });
      const poolStatus = async (): Promise<PodPool['status']> =>
        ((await custom.getNamespacedCustomObject({ ...poolRef, namespace, name: 'unschedulable' })) as PodPool).status;
      await claims.create(namespace, 'wait-1', { poolName: 'unschedulable' });
      await claims.create(namespace, 'wait-2', { poolName: 'unschedulable' });
      await eventually('2 waiting claims in the pool status', async () => (await poolStatus())?.waitingClaims === 2, 30_000);
      const status = await poolStatus();
      expect(status?.desiredReplicas).toBeGreaterThanOrEqual(2);
      expect(status?.conditions?.find((condition) => condition.type === 'ScalingActive')?.message).toContain(
        '+ 2 for claims waiting for a pod',
      );
      await claims.delete(namespace, 'wait-1');
      await eventually('1 waiting claim in the pool status', async () => (await poolStatus())?.waitingClaims === 1, 30_000);
      await claims.delete(namespace, 'wait-2');
      await eventually('no waiting claim in the pool status', async () => (await poolStatus())?.waitingClaims === 0, 30_000);
    },
    timeoutAfterWaits(30_000, 30_000, 30_000),
  );

  it(
    'fails a claim for a pool that does not exist, with a condition and a Warning event',
    async () => {
      await claims.create(namespace, 'lost', { poolName: 'no-such-pool' });
      const failed = await claims.waitForPhase(namespace, 'lost', 'Failed');
      expect(failed.status?.conditions).toEqual([
        expect.objectContaining({
          type: 'Bound',
          status: 'False',
          reason: 'PoolNotFound',
          message: `podpool ${namespace}/no-such-pool does not exist`,
        }),
      ]);
      await eventually('the PoolNotFound event', async () => (await eventReasons('lost')).includes('Warning/PoolNotFound'));
    },
    timeoutAfterWaits(30_000, 30_000),
  );

  it(
    'keeps a claim Pending while no pod is ready, counts it as unmet demand, and binds it when a pod turns Ready',
    async () => {
      await createPodPool(kc, namespace, 'empty', { replicas: 0, warmupSeconds: 5 });
      await claims.create(namespace, 'patient', { poolName: 'empty' });
      const pending = await claims.waitForPhase(namespace, 'patient', 'Pending');
      expect(pending.status?.conditions).toEqual([expect.objectContaining({ type: 'Bound', status: 'False', reason: 'NoReadyPod' })]);
      await eventually('the NoReadyPod event', async () => (await eventReasons('patient')).includes('Normal/NoReadyPod'));
      await eventually('the claim counted as unmet demand', async () => {
        const pool = (await custom.getNamespacedCustomObject({ ...poolRef, namespace, name: 'empty' })) as PodPool;
        return pool.status?.unmetReservations === 1;
      });

      await custom.patchNamespacedCustomObject(
        { ...poolRef, namespace, name: 'empty', body: { spec: { replicas: 1 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const bound = await claims.waitForPhase(namespace, 'patient', 'Bound', 60_000);
      const pod = await core.readNamespacedPod({ namespace, name: bound.status?.podName ?? '' });
      expect(pod.metadata?.labels?.[POOL_LABEL]).toBe('empty');
      expect(pod.metadata?.ownerReferences?.[0]?.uid).toBe(bound.metadata.uid);
    },
    timeoutAfterWaits(30_000, 30_000, 30_000, 60_000),
  );

  it(
    'podpool claim: creates a claim as the kubeconfig user, waits until it is Bound and prints it; gives up and deletes it when no pod comes',
    async () => {
      const podpool = (...args: string[]) =>
        spawnSync('node_modules/.bin/node', ['--import', 'tsx', 'src/cli/main.ts', 'claim', ...args, '-n', namespace], {
          encoding: 'utf8',
          env: { ...process.env, KUBECONFIG: inject('kubeconfigPath') },
          timeout: 60_000,
        });
      await eventually('a ready pod', async () => (await readyPods('sandboxes')).length >= 1, 30_000);
      const claimed = podpool(
        'sandboxes',
        '--name',
        'cli-session',
        '--user',
        'bob',
        '--ttl',
        '600',
        '-l',
        'session=cli',
        '--annotation',
        'note=from the cli',
      );
      expect(claimed.stderr).toBe('');
      expect(claimed.status).toBe(0);
      const printed = JSON.parse(claimed.stdout) as { name: string; phase: string; podName: string; podIP: string; reason: string };
      expect(printed).toMatchObject({ name: 'cli-session', namespace, pool: 'sandboxes', phase: 'Bound', reason: 'PodBound' });
      const pod = await core.readNamespacedPod({ namespace, name: printed.podName });
      expect(pod.status?.podIP).toBe(printed.podIP);
      expect(pod.metadata?.labels).toMatchObject({ session: 'cli', [STATE_LABEL]: 'reserved' });
      expect(pod.metadata?.annotations).toMatchObject({
        note: 'from the cli',
        [RESERVED_BY_ANNOTATION]: 'bob',
        [RESERVATION_TTL_ANNOTATION]: '600',
      });
      await claims.delete(namespace, 'cli-session');

      await createPodPool(kc, namespace, 'never', { replicas: 0, warmupSeconds: 5 });
      const gaveUp = podpool('never', '--name', 'cli-waits', '--wait', '2s');
      expect(gaveUp.status).toBe(1);
      expect(gaveUp.stderr).toContain(`no ready pod of podpool ${namespace}/never within 2s; the claim cli-waits was deleted`);
      await eventually(
        'the abandoned claim to go',
        async () => !(await claims.list(namespace)).some((claim) => claim.metadata.name === 'cli-waits'),
      );

      const refused = podpool('Not_A_Pool');
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^podpool claim: creating the PodPoolClaim: .*spec\.poolName.* \(InvalidArgument\)\n$/s);
    },
    timeoutAfterWaits(30_000, 60_000, 30_000),
  );

  it('refuses a changed spec, podpool.dev/ label keys and a poolName that is no DNS label', async () => {
    await claims.create(namespace, 'fixed', { poolName: 'sandboxes' });
    const edit = kubectl(['patch', CLAIM_PLURAL, 'fixed', '-n', namespace, '--type=merge', '-p', '{"spec":{"poolName":"other"}}']);
    expect(edit.status).not.toBe(0);
    expect(edit.stderr).toContain('poolName is immutable');
    const ttl = kubectl(['patch', CLAIM_PLURAL, 'fixed', '-n', namespace, '--type=merge', '-p', '{"spec":{"ttlSeconds":60}}']);
    expect(ttl.stderr).toContain('the spec of a PodPoolClaim is immutable');

    const rejected = async (name: string, spec: Record<string, unknown>): Promise<string> => {
      try {
        await claims.create(namespace, name, spec as never);
      } catch (error) {
        expect((error as { code?: number }).code).toBe(422);
        return String((error as { body?: unknown }).body);
      }
      throw new Error(`the API server accepted claim ${name}`);
    };
    expect(await rejected('sneaky', { poolName: 'sandboxes', podLabels: { [STATE_LABEL]: 'ready' } })).toContain(
      'keys under podpool.dev/ belong to podpool',
    );
    expect(await rejected('bad-name', { poolName: 'Not_A_Label' })).toContain('spec.poolName');
    expect(await rejected('bad-ttl', { poolName: 'sandboxes', ttlSeconds: 0 })).toContain('spec.ttlSeconds');
  });

  it(
    "leaves a deleted claim's pod to the garbage collector when no operator acts on it (a pod outside any pool)",
    async () => {
      // The operator only sees pool pods, so this pod, owned by a claim, can only go through its owner reference.
      const owner = await claims.create(namespace, 'gc-owner', { poolName: 'no-such-pool' });
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: {
            name: 'owned-by-claim',
            ownerReferences: [
              {
                apiVersion: `${API_GROUP}/${API_VERSION}`,
                kind: 'PodPoolClaim',
                name: 'gc-owner',
                uid: owner.metadata.uid ?? '',
                controller: true,
              },
            ],
          },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      });
      await claims.delete(namespace, 'gc-owner');
      // The garbage collector finds a CRD installed moments ago only at its next discovery sync (30 s).
      await eventually('the garbage collector to delete the pod of the deleted claim', () => podGone('owned-by-claim'), 90_000, 1_000);
    },
    timeoutAfterWaits(90_000),
  );
});
