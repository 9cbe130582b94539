/**
 * Reservations while the controller acts: two replicas hand out pods while the leader scales the
 * pool down and replaces every pod of an old template. No reserved pod may be deleted.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL, STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../src/api/labels.js';
import {
  adminKubeConfig,
  createNamespace,
  createPodPool,
  eventually,
  installCrd,
  kubectl,
  serviceAccountKubeconfig,
  TEST_POD_TEMPLATE,
} from './support/cluster.js';
import { scrape, sumOf } from '../../dev/probes/metrics.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';
import { callReservations, type ReservationsAnswer } from '../../dev/probes/reservations-api.js';

const POOL = 'busy';
const START = 20;
const AFTER = 4;
const CALLERS = 16;

describe('reservations while the controller scales down and replaces a template', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let namespace: string;
  let replicas: OperatorProcess[] = [];
  let token: string;
  let ca: string;

  const poolPods = async (): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `${POOL_LABEL}=${POOL}` })).items.filter(
      (p) => p.metadata?.deletionTimestamp === undefined,
    );
  const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    await installCrd(kc);
    namespace = await createNamespace(kc, 'busy');
    const leaseNamespace = await createNamespace(kc, 'busyop');
    expect(
      kubectl(['create', 'role', 'reserver', '-n', namespace, '--verb=create,delete', '--resource=podpools.podpool.dev/reservations'])
        .status,
    ).toBe(0);
    expect(
      kubectl(['create', 'rolebinding', 'reserver', '-n', namespace, '--role=reserver', `--serviceaccount=${namespace}:frontend`]).status,
    ).toBe(0);
    ({ token } = await serviceAccountKubeconfig(kc, namespace, 'frontend'));
    replicas = [
      await startOperatorProcess({ leaseNamespace, identity: 'busy-a' }),
      await startOperatorProcess({ leaseNamespace, identity: 'busy-b' }),
    ];
    const secret = await core.readNamespacedSecret({ name: 'podpool-tls', namespace: leaseNamespace });
    ca = Buffer.from(secret.data?.['ca-bundle.crt'] ?? secret.data?.['ca.crt'] ?? '', 'base64').toString();
    await createPodPool(kc, namespace, POOL, {
      replicas: START,
      maxPoolSize: 50,
      scaleDownStabilizationSeconds: 0,
      warmupSeconds: 5,
      podTemplate: TEST_POD_TEMPLATE,
    });
    await eventually(
      `${START} Ready pods`,
      async () => {
        const pods = await poolPods();
        return pods.length === START && pods.every(isReady);
      },
      60_000,
    );
  }, 150_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it(`hands out pods during a scale-down ${START} -> ${AFTER} and a template change, deleting no reserved pod`, async () => {
    // Every pod deletion seen, with the labels the pod had when it went.
    const deleted = new Map<string, string | undefined>();
    const abort = await new Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      {},
      (phase, pod: V1Pod) => {
        if (phase === 'DELETED' || pod.metadata?.deletionTimestamp !== undefined)
          deleted.set(pod.metadata?.name ?? '', pod.metadata?.labels?.[STATE_LABEL]);
      },
      () => undefined,
    );
    const conflictsBefore = (await Promise.all(replicas.map((r) => scrape(r.metricsPort)))).map((text) =>
      sumOf(text, 'podpool_reservation_conflicts_total'),
    );
    const oldHash = (await poolPods())[0]?.metadata?.labels?.[TEMPLATE_HASH_LABEL];
    expect(oldHash).toBeDefined();

    // At once: the spec edit (fewer pods, a new template) and the callers, half on each replica.
    const custom = kc.makeApiClient(CustomObjectsApi);
    const edit = custom.patchNamespacedCustomObject(
      {
        group: API_GROUP,
        version: API_VERSION,
        plural: PLURAL,
        namespace,
        name: POOL,
        body: { spec: { replicas: AFTER, podTemplate: { metadata: { labels: { revision: '2' } }, ...TEST_POD_TEMPLATE } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const answers: ReservationsAnswer[] = await Promise.all(
      Array.from({ length: CALLERS }, async (_, i) => {
        // Spread over the time the controller acts, not all before it sees the edit.
        await new Promise((resolve) => setTimeout(resolve, i * 40));
        const replica = replicas[i % 2] as OperatorProcess;
        return callReservations(
          { port: replica.reservationsPort, ca },
          'POST',
          `/api/v1/namespaces/${namespace}/podpools/${POOL}/reservations`,
          token,
          { user: `user-${i}` },
        );
      }),
    );
    await edit;

    const won = answers.filter((a) => a.status === 201).map((a) => String(a.body.pod));
    expect(
      answers.every((a) => a.status === 201 || a.status === 503),
      JSON.stringify(answers.filter((a) => a.status !== 201 && a.status !== 503)),
    ).toBe(true);
    expect(won.length).toBeGreaterThan(0);
    expect(new Set(won).size).toBe(won.length);

    // Settled: AFTER warm pods, all of the new template and Ready, beside every reserved pod.
    await eventually(
      `${AFTER} Ready warm pods of the new template`,
      async () => {
        const warm = (await poolPods()).filter((p) => p.metadata?.labels?.[STATE_LABEL] !== 'reserved');
        return warm.length === AFTER && warm.every((p) => isReady(p) && p.metadata?.labels?.[TEMPLATE_HASH_LABEL] !== oldHash);
      },
      60_000,
    );
    abort.abort();

    // The controller did act while callers reserved: every unreserved pod of the old template went.
    expect(deleted.size).toBeGreaterThanOrEqual(START - won.length);
    const reservedNow = (await poolPods())
      .filter((p) => p.metadata?.labels?.[STATE_LABEL] === 'reserved')
      .map((p) => p.metadata?.name ?? '');
    expect(reservedNow.sort()).toEqual([...won].sort());
    expect([...deleted].filter(([name, state]) => won.includes(name) || state === 'reserved')).toEqual([]);

    // Lost races are counted, never served twice: each replica's counter moved by whole lost writes.
    const conflictsAfter = (await Promise.all(replicas.map((r) => scrape(r.metricsPort)))).map((text) =>
      sumOf(text, 'podpool_reservation_conflicts_total'),
    );
    const conflicts = conflictsAfter.map((after, i) => after - (conflictsBefore[i] ?? 0));
    for (const moved of conflicts) expect(Number.isInteger(moved) && moved >= 0).toBe(true);
    console.log(
      `contention: ${won.length} of ${CALLERS} reserved, ${deleted.size} pods deleted by the controller, ${conflicts.join('+')} reservation conflicts`,
    );
  }, 120_000);
});
