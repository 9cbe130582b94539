import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_GROUP,
  API_VERSION,
  PLURAL,
  POOL_LABEL,
  RESERVED_AT_ANNOTATION,
  RESERVED_BY_ANNOTATION,
  RESERVED_BY_CALLER_ANNOTATION,
  STATE_LABEL,
} from '../../src/api/labels.js';
import type { PodPool } from '../../src/api/schema.js';
import {
  adminKubeConfig,
  createNamespace,
  createPodPool,
  eventually,
  installCrd,
  kubectl,
  serviceAccountKubeconfig,
} from './support/cluster.js';
import { canI, renderChart, serverKubeVersion, toYamlStream, type KubeObject } from './support/helm.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';
import { callReservations } from '../../dev/probes/reservations-api.js';

const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
const POOL_SIZE = 50;

describe('reservations against a real API server, with two operator replicas', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let namespace: string;
  let leaseNamespace: string;
  let replicas: OperatorProcess[] = [];
  let ca: string;
  let userToken: string;
  let userKubeconfig: string;
  let strangerToken: string;
  /** Cluster-scoped, so removed after the file. */
  let chartRoles: KubeObject[] = [];

  const call = (replica: OperatorProcess, method: string, path: string, token: string | undefined, body?: unknown) =>
    callReservations({ port: replica.reservationsPort, ca }, method, path, token, body);
  const reservations = (pool = 'sandboxes'): string => `/api/v1/namespaces/${namespace}/podpools/${pool}/reservations`;
  const warmReady = async (): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `${POOL_LABEL}=sandboxes,${STATE_LABEL}=ready` })).items.filter(
      (p) => p.metadata?.deletionTimestamp === undefined,
    );
  /** A lease the test holds, so neither replica runs the controller until the test lets go. */
  const holdLease = (): void => {
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const lease = `apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: podpool-controller, namespace: ${leaseNamespace}}
spec: {holderIdentity: the-test, leaseDurationSeconds: 3600, acquireTime: "${now}", renewTime: "${now}"}
`;
    expect(kubectl(['apply', '-f', '-'], { input: lease }).status).toBe(0);
  };

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrd(kc);
    namespace = await createNamespace(kc, 'resv');
    leaseNamespace = await createNamespace(kc, 'resvop');
    const rbac = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reserver, namespace: ${namespace}}
rules: [{apiGroups: [podpool.dev], resources: [podpools/reservations], verbs: [create, list, delete]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reserver, namespace: ${namespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reserver}
subjects: [{kind: ServiceAccount, name: frontend, namespace: ${namespace}}]
`;
    expect(kubectl(['apply', '-f', '-'], { input: rbac }).status).toBe(0);
    ({ token: userToken, path: userKubeconfig } = await serviceAccountKubeconfig(kc, namespace, 'frontend'));
    strangerToken = (await serviceAccountKubeconfig(kc, namespace, 'stranger')).token;

    // Replica a fills the pool as leader; then the test takes the lease and starts replica b.
    replicas.push(await startOperatorProcess({ leaseNamespace, identity: 'resv-a' }));
    await createPodPool(kc, namespace, 'sandboxes', { replicas: POOL_SIZE, maxPoolSize: 100 });
    await eventually(`${POOL_SIZE} ready pods`, async () => (await warmReady()).length === POOL_SIZE, 60_000);
    await replicas[0]?.stop();
    holdLease();
    replicas = [
      await startOperatorProcess({ leaseNamespace, identity: 'resv-a2' }),
      await startOperatorProcess({ leaseNamespace, identity: 'resv-b' }),
    ];
    const secret = await core.readNamespacedSecret({ name: 'podpool-tls', namespace: leaseNamespace });
    ca = Buffer.from(secret.data?.['ca-bundle.crt'] ?? secret.data?.['ca.crt'] ?? '', 'base64').toString();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    if (chartRoles.length > 0) kubectl(['delete', '--ignore-not-found', '-f', '-'], { input: toYamlStream(chartRoles) });
  });

  it('answers 401, 403, 404 and 400 as JSON and reserves nothing', async () => {
    const [a] = replicas as [OperatorProcess];
    expect(await call(a, 'POST', reservations(), undefined, { user: 'u' })).toMatchObject({
      status: 401,
      body: { error: expect.any(String) },
    });
    expect(await call(a, 'POST', reservations(), 'not-a-token', { user: 'u' })).toMatchObject({ status: 401 });
    expect(await call(a, 'POST', reservations(), strangerToken, { user: 'u' })).toMatchObject({ status: 403 });
    expect(await call(a, 'POST', reservations('missing'), userToken, { user: 'u' })).toMatchObject({ status: 404 });
    expect(await call(a, 'POST', reservations(), userToken, { nobody: 1 })).toMatchObject({ status: 400 });
    expect(await call(a, 'POST', reservations(), userToken, '{not json')).toMatchObject({ status: 400 });
    expect(await warmReady()).toHaveLength(POOL_SIZE);
  });

  it('hands out each of 50 ready pods exactly once to 200 concurrent callers on two replicas', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        call(replicas[i % 2] as OperatorProcess, 'POST', reservations(), userToken, { user: `user-${i}` }),
      ),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(POOL_SIZE);
    expect(answers.filter((a) => a.status !== 201).every((a) => a.status === 503)).toBe(true);
    const pods = won.map((a) => a.body.pod as string);
    expect(new Set(pods).size).toBe(POOL_SIZE);
    const reserved = (await core.listNamespacedPod({ namespace, labelSelector: `${STATE_LABEL}=reserved` })).items;
    expect(reserved).toHaveLength(POOL_SIZE);
    for (const pod of reserved) {
      const winner = won.find((a) => a.body.pod === pod.metadata?.name);
      expect(pod.metadata?.annotations?.[RESERVED_BY_ANNOTATION]).toBe(winner?.body.user);
      expect(pod.metadata?.annotations?.[RESERVED_AT_ANNOTATION]).toBe(winner?.body.reservedAt);
      expect(pod.metadata?.ownerReferences ?? []).toEqual([]);
    }
    // Both replicas add the 150 callers they turned away to the pool's counter, without losing one.
    await eventually('150 unmet reservations in status', async () => {
      const pool = (await custom.getNamespacedCustomObject({ ...ref, namespace, name: 'sandboxes' })) as PodPool;
      return pool.status?.unmetReservations === 150;
    });
  });

  it('lists and releases reservations', async () => {
    const [a] = replicas as [OperatorProcess];
    const listed = await call(a, 'GET', reservations(), userToken);
    expect(listed.status).toBe(200);
    expect((listed.body.items as unknown[]).length).toBe(POOL_SIZE);
    const pod = (listed.body.items as Array<{ pod: string }>)[0]?.pod ?? '';
    expect((await call(a, 'DELETE', `${reservations()}/${pod}`, userToken)).status).toBe(200);
    await eventually('the released pod to be deleted', async () => {
      try {
        const current = await core.readNamespacedPod({ namespace, name: pod });
        return current.metadata?.deletionTimestamp !== undefined;
      } catch (error) {
        return (error as { code?: number }).code === 404;
      }
    });
  });

  /** `podpool reserve` and `podpool release` as a user runs them: the kubeconfig user's token, the server's CA. */
  const reserveAndReleaseWithTheCli = async (): Promise<void> => {
    const caFile = join(tmpdir(), `podpool-resv-ca-${namespace}.crt`);
    writeFileSync(caFile, ca);
    const podpool = (...args: string[]) =>
      spawnSync('node_modules/.bin/node', ['--import', 'tsx', 'src/cli/main.ts', ...args, '-n', namespace, '--ca-file', caFile], {
        encoding: 'utf8',
        env: { ...process.env, KUBECONFIG: userKubeconfig, PODPOOL_RESERVATIONS_URL: `https://127.0.0.1:${replicas[1]?.reservationsPort}` },
        timeout: 30_000,
      });
    const reserved = podpool('reserve', 'sandboxes', '--user', 'cli-user', '--ttl', '600');
    expect(reserved.stderr).toBe('');
    expect(reserved.status).toBe(0);
    const reservation = JSON.parse(reserved.stdout) as { pod: string; user: string; ttlSeconds: number };
    expect(reservation).toMatchObject({ user: 'cli-user', ttlSeconds: 600 });
    const pod = await core.readNamespacedPod({ namespace, name: reservation.pod });
    expect(pod.metadata?.labels?.[STATE_LABEL]).toBe('reserved');
    expect(pod.metadata?.annotations?.[RESERVED_BY_ANNOTATION]).toBe('cli-user');

    // The frontend may not read pods, so the CLI cannot look the pool up from the pod: it says so.
    const withoutPool = podpool('release', reservation.pod);
    expect(withoutPool.status).toBe(1);
    expect(withoutPool.stderr).toMatch(/give the pool/);
    const released = podpool('release', reservation.pod, 'sandboxes');
    expect(released.stderr).toBe('');
    expect(released.status).toBe(0);
    expect(JSON.parse(released.stdout)).toMatchObject({ pod: reservation.pod, released: true });
    const again = podpool('release', reservation.pod, 'sandboxes');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/NotFound|not found/i);
  };

  it('refills the pool once a replica leads, serves podpool reserve/release, and reserved pods survive a scale to 0 and the PodPool deletion', async () => {
    await kc.makeApiClient(CoordinationV1Api).deleteNamespacedLease({ name: 'podpool-controller', namespace: leaseNamespace });
    await eventually('the pool to refill', async () => (await warmReady()).length === POOL_SIZE, 90_000);
    await reserveAndReleaseWithTheCli();
    // The leader counted the turned-away callers as demand, beside the served ones it still sees
    // (49 or 50: the released pod may be gone before the leader first looks).
    const pool = (await custom.getNamespacedCustomObject({ ...ref, namespace, name: 'sandboxes' })) as PodPool;
    expect(pool.status).toMatchObject({ unmetReservations: 150, observedUnmetReservations: 150 });
    const served = pool.status?.totalReservations ?? 0;
    expect(served).toBeGreaterThanOrEqual(POOL_SIZE - 1);
    expect(pool.status?.reservationHistory?.counts.reduce((sum, count) => sum + count, 0)).toBe(served + 150);
    expect(pool.status?.currentVelocity).toBeGreaterThan(0);
    expect(kubectl(['scale', 'pp/sandboxes', '--replicas=0', '-n', namespace]).status).toBe(0);
    await eventually('warm pods to go', async () => (await warmReady()).length === 0, 60_000);
    await custom.deleteNamespacedCustomObject({ ...ref, namespace, name: 'sandboxes' });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const reserved = (await core.listNamespacedPod({ namespace, labelSelector: `${STATE_LABEL}=reserved` })).items.filter(
      (p) => p.metadata?.deletionTimestamp === undefined,
    );
    expect(reserved).toHaveLength(POOL_SIZE - 1);
  });

  it("lets only the reserving caller, or a holder of the chart's release-any role, release a reservation", async () => {
    const [a, b] = replicas as [OperatorProcess, OperatorProcess];
    // The chart's two reservation roles, as an installation has them, bound per namespace.
    const fullname = `resv-${namespace}`;
    chartRoles = renderChart({
      release: fullname,
      namespace: leaseNamespace,
      kubeVersion: serverKubeVersion(),
      values: { fullnameOverride: fullname },
    }).objects.filter((object) => object.kind === 'ClusterRole' && object.metadata.name.startsWith(`${fullname}-reservations-`));
    expect(chartRoles.map((role) => role.metadata.name).sort()).toEqual([
      `${fullname}-reservations-admin`,
      `${fullname}-reservations-user`,
    ]);
    const bindings = [
      ['neighbour', `${fullname}-reservations-user`],
      ['session-reaper', `${fullname}-reservations-admin`],
    ].map(([subject, role]) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: subject, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: subject, namespace }],
    })) as unknown as KubeObject[];
    expect(kubectl(['apply', '-f', '-'], { input: toYamlStream([...chartRoles, ...bindings]) }).status).toBe(0);
    const neighbour = await serviceAccountKubeconfig(kc, namespace, 'neighbour');
    const reaper = await serviceAccountKubeconfig(kc, namespace, 'session-reaper');
    const onReservations = (verb: string) => [verb, `${PLURAL}.${API_GROUP}`, '--subresource=reservations', '-n', namespace];
    await eventually(
      'the bindings to be in force',
      async () => canI(neighbour.path, onReservations('delete')) && canI(reaper.path, onReservations('release-any')),
      10_000,
    );
    expect(canI(neighbour.path, onReservations('release-any'))).toBe(false);

    // Every pod the frontend reserved records its authenticated identity, not the `user` it named.
    const reserved = (await core.listNamespacedPod({ namespace, labelSelector: `${STATE_LABEL}=reserved` })).items.filter(
      (p) => p.metadata?.deletionTimestamp === undefined,
    );
    expect(reserved.length).toBeGreaterThanOrEqual(3);
    const frontend = `system:serviceaccount:${namespace}:frontend`;
    for (const pod of reserved) expect(pod.metadata?.annotations?.[RESERVED_BY_CALLER_ANNOTATION]).toBe(frontend);
    const [byOwner, byReaper, unrecorded] = reserved.map((pod) => pod.metadata?.name ?? '') as [string, string, string];
    const release = (replica: OperatorProcess, pod: string, token: string) => call(replica, 'DELETE', `${reservations()}/${pod}`, token);
    const stillReserved = async (pod: string) =>
      (await core.readNamespacedPod({ namespace, name: pod })).metadata?.deletionTimestamp === undefined;

    // Allowed to delete reservations, but not this one: 403 in the documented shape, and the pod stays.
    const refused = await release(a, byOwner, neighbour.token);
    expect(refused).toMatchObject({
      status: 403,
      body: { error: 'Forbidden', message: expect.stringMatching(/another caller reserved it.*release-any/) },
    });
    expect(await release(b, byOwner, neighbour.token)).toMatchObject({ status: 403 });
    expect(await stillReserved(byOwner)).toBe(true);
    expect(await release(b, byOwner, userToken)).toMatchObject({ status: 200, body: { pod: byOwner, released: true } });
    expect(await release(a, byReaper, reaper.token)).toMatchObject({ status: 200, body: { pod: byReaper, released: true } });

    // A reservation from before callers were recorded: not even its reserving caller may release it.
    expect(kubectl(['annotate', 'pod', unrecorded, '-n', namespace, `${RESERVED_BY_CALLER_ANNOTATION}-`]).status).toBe(0);
    await eventually(
      'replica a to see the reservation without a caller',
      async () => /no caller was recorded/.test(String((await release(a, unrecorded, neighbour.token)).body.message)),
      10_000,
    );
    expect(await release(a, unrecorded, userToken)).toMatchObject({
      status: 403,
      body: { error: 'Forbidden', message: expect.stringMatching(/no caller was recorded/) },
    });
    expect(await stillReserved(unrecorded)).toBe(true);
    expect(await release(a, unrecorded, reaper.token)).toMatchObject({ status: 200, body: { pod: unrecorded, released: true } });
  });
});
