/**
 * The claim contention goal: 200 PodPoolClaims created at once against 50 ready pods, two operator
 * replicas, and API callers reserving from the same pool at the same moment. Every ready pod goes
 * to exactly one claim or caller, no pod to two, and the claims left over are bound as the pool
 * refills.
 */
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodPoolClaim } from '../../src/api/claim-schema.js';
import { POOL_LABEL, RESERVED_BY_CALLER_ANNOTATION, STATE_LABEL } from '../../src/api/labels.js';
import { claimsApi } from './support/claims.js';
import {
  adminKubeConfig,
  createNamespace,
  createPodPool,
  eventually,
  installCrd,
  kubectl,
  serviceAccountKubeconfig,
  timeoutAfterWaits,
} from './support/cluster.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';
import { callReservations, type ReservationsAnswer } from '../../dev/probes/reservations-api.js';

const POOL = 'crowd';
const READY = 50;
const CLAIMS = 200;
const CALLERS = 20;

describe(`${CLAIMS} claims and ${CALLERS} API callers at once against ${READY} ready pods, two replicas`, () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let claims: ReturnType<typeof claimsApi>;
  let namespace: string;
  let replicas: OperatorProcess[] = [];
  let token: string;
  let ca: string;

  const readyPods = async (): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `${POOL_LABEL}=${POOL},${STATE_LABEL}=ready` })).items.filter(
      (pod) =>
        pod.metadata?.deletionTimestamp === undefined && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    claims = claimsApi(kc);
    await installCrd(kc);
    namespace = await createNamespace(kc, 'crowd');
    const leaseNamespace = await createNamespace(kc, 'crowdop');
    expect(
      kubectl(['create', 'role', 'reserver', '-n', namespace, '--verb=create,delete', '--resource=podpools.podpool.dev/reservations'])
        .status,
    ).toBe(0);
    expect(
      kubectl(['create', 'rolebinding', 'reserver', '-n', namespace, '--role=reserver', `--serviceaccount=${namespace}:frontend`]).status,
    ).toBe(0);
    ({ token } = await serviceAccountKubeconfig(kc, namespace, 'frontend'));
    replicas = [
      await startOperatorProcess({ leaseNamespace, identity: 'crowd-a' }),
      await startOperatorProcess({ leaseNamespace, identity: 'crowd-b' }),
    ];
    const secret = await core.readNamespacedSecret({ name: 'podpool-tls', namespace: leaseNamespace });
    ca = Buffer.from(secret.data?.['ca-bundle.crt'] ?? secret.data?.['ca.crt'] ?? '', 'base64').toString();
    await createPodPool(kc, namespace, POOL, { replicas: READY, maxPoolSize: 300, warmupSeconds: 5 });
    await eventually(`${READY} ready pods`, async () => (await readyPods()).length === READY, 90_000);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it(
    "hands each ready pod to exactly one claim or caller, never a caller's pod to a claim, and binds the rest as pods turn Ready",
    async () => {
      const firstReady = new Set((await readyPods()).map((pod) => pod.metadata?.name ?? ''));
      const burstMs = Date.now();
      const [created, answers] = await Promise.all([
        Promise.all(
          Array.from({ length: CLAIMS }, (_, i) => claims.create(namespace, `claim-${i}`, { poolName: POOL, user: `claimer-${i}` })),
        ),
        Promise.all(
          Array.from({ length: CALLERS }, (_, i): Promise<ReservationsAnswer> => {
            const replica = replicas[i % 2] as OperatorProcess;
            return callReservations(
              { port: replica.reservationsPort, ca },
              'POST',
              `/api/v1/namespaces/${namespace}/podpools/${POOL}/reservations`,
              token,
              { user: `caller-${i}` },
            );
          }),
        ),
      ]);
      expect(
        answers.every((answer) => answer.status === 201 || answer.status === 503),
        JSON.stringify(answers.filter((a) => a.status !== 201 && a.status !== 503)),
      ).toBe(true);
      const callerPods = new Set(answers.filter((answer) => answer.status === 201).map((answer) => String(answer.body.pod)));

      const bound = await eventually(
        `all ${CLAIMS} claims Bound`,
        async () => {
          const all = await claims.list(namespace);
          return all.length === CLAIMS && all.every((claim) => claim.status?.phase === 'Bound') ? all : undefined;
        },
        150_000,
        1_000,
      );
      const podOf = new Map(bound.map((claim): [string, string] => [claim.metadata.name ?? '', claim.status?.podName ?? '']));
      const claimPods = new Set(podOf.values());
      // No pod bound twice, none to a claim and a caller.
      expect(claimPods.size).toBe(CLAIMS);
      expect([...callerPods].filter((pod) => claimPods.has(pod))).toEqual([]);
      // Every pod that was ready when the burst began went to exactly one of them.
      const firstServed = [...firstReady].filter((pod) => claimPods.has(pod) || callerPods.has(pod));
      expect(firstServed.length).toBe(READY);
      const claimedAtOnce = [...firstReady].filter((pod) => claimPods.has(pod)).length;
      expect(claimedAtOnce + [...callerPods].filter((pod) => firstReady.has(pod)).length).toBe(READY);

      // What the API server holds agrees: each claim's pod is owned by that claim alone; callers' pods by nobody.
      const pods = new Map(
        (await core.listNamespacedPod({ namespace, labelSelector: `${POOL_LABEL}=${POOL},${STATE_LABEL}=reserved` })).items.map(
          (pod): [string, V1Pod] => [pod.metadata?.name ?? '', pod],
        ),
      );
      const uidOf = new Map(created.map((claim: PodPoolClaim): [string, string] => [claim.metadata.name ?? '', claim.metadata.uid ?? '']));
      for (const [claim, podName] of podOf) {
        const pod = pods.get(podName);
        expect(
          pod?.metadata?.ownerReferences?.map((owner) => owner.uid),
          `${claim} -> ${podName}`,
        ).toEqual([uidOf.get(claim)]);
        expect(pod?.metadata?.annotations?.[RESERVED_BY_CALLER_ANNOTATION]).toBe(`podpool.dev/claim:${namespace}/${claim}`);
      }
      for (const podName of callerPods) {
        const pod = pods.get(podName);
        expect(pod?.metadata?.ownerReferences ?? []).toEqual([]);
        expect(pod?.metadata?.annotations?.[RESERVED_BY_CALLER_ANNOTATION]).toBe(`system:serviceaccount:${namespace}:frontend`);
      }
      // The claims that found no pod waited for new ones: pods created after the burst.
      const later = [...claimPods].filter((pod) => !firstReady.has(pod));
      expect(later.length).toBe(CLAIMS - claimedAtOnce);
      for (const podName of later)
        expect(Date.parse(String(pods.get(podName)?.metadata?.creationTimestamp))).toBeGreaterThanOrEqual(burstMs - 1_000);
      console.log(
        `claims: ${claimedAtOnce} bound at once, ${later.length} after the pool refilled; callers: ${callerPods.size} of ${CALLERS} served`,
      );
    },
    timeoutAfterWaits(150_000),
  );
});
