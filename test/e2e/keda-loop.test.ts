/**
 * The product's main path, end to end: the real KEDA polls (or streams from) podpool's scaler,
 * KEDA's HPA in kube-controller-manager sets spec.replicas through the PodPool's /scale
 * subresource, podpool's controller creates the pods and kwok turns them Ready.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_LABEL } from '../../src/api/labels.js';
import {
  adminKubeConfig,
  createNamespace,
  createPodPool,
  eventually,
  installCrd,
  kubectl,
  serviceAccountKubeconfig,
  TEST_POD_TEMPLATE,
} from '../integration/support/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../integration/support/operator.js';
import { callReservations } from '../../dev/probes/reservations-api.js';
import { apply, eventuallyWithKedaLog, hpaOf, PoolProbe, scaledObjectCondition, scaledObjectYaml } from './support/loop.js';
import { scrape, sumOf } from '../../dev/probes/metrics.js';

describe('KEDA and the HPA drive PodPools end to end', () => {
  let kc: KubeConfig;
  let operatorNamespace: string;
  let operator: OperatorProcess;
  let ca: string;

  const scalerAddress = (): string => `127.0.0.1:${operator.scalerPort}`;
  const withKedaLog = eventuallyWithKedaLog;
  const newPool = async (prefix: string, spec: Record<string, unknown>): Promise<PoolProbe> => {
    const namespace = await createNamespace(kc, prefix);
    await createPodPool(kc, namespace, 'pool', { warmupSeconds: 5, podTemplate: TEST_POD_TEMPLATE, ...spec });
    return new PoolProbe(kc, namespace, 'pool');
  };

  /** A user allowed to reserve from the namespace's pools, calling the reservation API. */
  const reserver = async (namespace: string): Promise<(user: string) => Promise<{ status: number; body: Record<string, unknown> }>> => {
    kubectl(['create', 'role', 'reserver', '-n', namespace, '--verb=create,delete', '--resource=podpools.podpool.dev/reservations']);
    kubectl(['create', 'rolebinding', 'reserver', '-n', namespace, '--role=reserver', `--serviceaccount=${namespace}:frontend`]);
    const { token } = await serviceAccountKubeconfig(kc, namespace, 'frontend');
    return (user) =>
      callReservations(
        { port: operator.reservationsPort, ca },
        'POST',
        `/api/v1/namespaces/${namespace}/podpools/pool/reservations`,
        token,
        { user },
      );
  };
  const twin = async (probe: PoolProbe): Promise<{ desiredReplicas: number; reason: string }> =>
    (await (
      await fetch(`http://127.0.0.1:${operator.metricsPort}/scaler/v1/namespaces/${probe.namespace}/podpools/${probe.name}`)
    ).json()) as { desiredReplicas: number; reason: string };

  beforeAll(async () => {
    kc = adminKubeConfig();
    await installCrd(kc);
    operatorNamespace = await createNamespace(kc, 'podpool-system');
    operator = await startOperatorProcess({ leaseNamespace: operatorNamespace, identity: 'e2e' });
    const secret = await eventually(
      'the operator TLS Secret',
      async () => (await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'podpool-tls', namespace: operatorNamespace })).data,
    );
    ca = Buffer.from(secret['ca-bundle.crt'] ?? secret['ca.crt'] ?? '', 'base64').toString();
    expect(ca).toContain('BEGIN CERTIFICATE');
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
  });

  it('external: a window about to start scales the pool up through KEDA and the HPA; without it the pool scales down, keeping the reserved pod', async () => {
    const probe = await newPool('loop', {
      replicas: 1,
      minPoolSize: 1,
      maxPoolSize: 10,
      targetReadyPods: 1,
      scaleDownStabilizationSeconds: 10,
    });
    const { namespace } = probe;
    const before = await scrape(operator.metricsPort);
    apply(
      scaledObjectYaml(namespace, 'loop', 'pool', {
        trigger: { type: 'external', scalerAddress: scalerAddress() },
        pollingInterval: 1,
        minReplicaCount: 1,
        maxReplicaCount: 10,
      }),
    );
    await withKedaLog(
      'the ScaledObject Ready and its HPA',
      async () => scaledObjectCondition(namespace, 'loop', 'Ready')?.status === 'True' && hpaOf(namespace, 'loop') !== undefined,
      60_000,
    );
    await withKedaLog('1 Ready warm pod', () => probe.readyWarm(1), 60_000);

    // A window starting at the next full hour, with a lead time reaching it: the engine pre-scales now.
    const now = new Date();
    const secondsToNextHour = 3600 - (now.getUTCMinutes() * 60 + now.getUTCSeconds());
    const nextHour = (now.getUTCHours() + 1) % 24;
    await probe.patchSpec({
      warmupSeconds: Math.min(3600, secondsToNextHour + 60),
      timeBasedScaling: [{ hourStart: nextHour, hourEnd: (nextHour + 2) % 24, targetPoolSize: 6 }],
    });
    await withKedaLog('the HPA to set spec.replicas 6', async () => (await probe.specReplicas()) === 6, 60_000);
    await withKedaLog('6 Ready warm pods', () => probe.readyWarm(6), 60_000);

    // A user reserves one through the reservation API: it leaves the warm pool, which refills.
    const reserve = await reserver(namespace);
    const reserved = await reserve('alice');
    expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);
    const reservedPod = String(reserved.body.pod);
    await withKedaLog('the pool refilled to 6 warm pods', () => probe.readyWarm(6), 60_000);

    // The window goes: a spec edit is acted on at once (stabilization holds demand-driven scale-down only).
    await probe.patchSpec({ warmupSeconds: 5, timeBasedScaling: null });
    const settled = await withKedaLog(
      'spec.replicas to settle at the engine answer',
      async () => {
        const pool = await probe.pool();
        return pool.spec.replicas !== undefined && pool.spec.replicas === pool.status?.desiredReplicas && pool.spec.replicas <= 2
          ? pool.spec.replicas
          : undefined;
      },
      60_000,
    );
    await withKedaLog(`${settled} Ready warm pods`, () => probe.readyWarm(settled), 60_000);
    const pods = await probe.pods();
    expect(pods.find((pod) => pod.metadata?.name === reservedPod)?.metadata?.labels?.[STATE_LABEL]).toBe('reserved');

    // One engine evaluation answers each poll's GetMetrics and IsActive, and the HPA's own sync.
    const after = await scrape(operator.metricsPort);
    const calls = (['GetMetrics', 'IsActive'] as const).reduce(
      (sum, rpc) => sum + sumOf(after, 'podpool_scaler_requests_total', { rpc }) - sumOf(before, 'podpool_scaler_requests_total', { rpc }),
      0,
    );
    const evaluations = sumOf(after, 'podpool_scaler_engine_evaluations_total') - sumOf(before, 'podpool_scaler_engine_evaluations_total');
    console.log(`external loop: ${calls} GetMetrics+IsActive calls answered by ${evaluations} engine evaluations`);
    expect(calls).toBeGreaterThanOrEqual(8);
    expect(evaluations).toBeLessThanOrEqual(Math.ceil(calls / 1.8));
    kubectl(['delete', 'scaledobject', 'loop', '-n', namespace, '--wait=false']);
  }, 300_000);

  it('external: a burst of reservations scales the pool up; when demand stops the engine holds it for the stabilization, then KEDA scales it down', async () => {
    const stabilizationSeconds = 45;
    const probe = await newPool('burst', {
      replicas: 2,
      minPoolSize: 1,
      maxPoolSize: 20,
      targetReadyPods: 2,
      warmupSeconds: 30,
      scaleDownStabilizationSeconds: stabilizationSeconds,
    });
    const { namespace } = probe;
    apply(
      scaledObjectYaml(namespace, 'burst', 'pool', {
        trigger: { type: 'external', scalerAddress: scalerAddress() },
        pollingInterval: 1,
        minReplicaCount: 1,
        maxReplicaCount: 20,
      }),
    );
    await withKedaLog('2 Ready warm pods', () => probe.readyWarm(2), 60_000);
    const reserve = await reserver(namespace);
    // Ten users in a few seconds: the ready ones are served, the rest count as unmet demand.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => reserve(`user-${i}`)));
    const served = answers.filter((answer) => answer.status === 201).map((answer) => String(answer.body.pod));
    expect(served.length).toBeGreaterThanOrEqual(2);
    const peak = await withKedaLog(
      'the HPA to scale the pool up for the demand',
      async () => {
        const replicas = (await probe.specReplicas()) ?? 0;
        return replicas >= 5 && replicas;
      },
      60_000,
    );
    console.log(`burst of 10 reservations (${served.length} served at once): spec.replicas ${peak}`);

    // Demand stops. Once the rate window has passed, the engine's instant answer falls but it holds
    // its highest answer of the last scaleDownStabilizationSeconds; then the pool scales down.
    const heldSince = await withKedaLog(
      'the engine to hold for scale-down stabilization',
      async () => (await twin(probe)).reason.includes('held for scale-down stabilization') && Date.now(),
      180_000,
    );
    // The held answer decays as the high buckets leave the window; the pool is released (the
    // engine's instant answer in force again, and KEDA following it) only once the last high
    // answer is older than the window.
    const releasedAt = await withKedaLog(
      'the pool released from stabilization and scaled down',
      async () => {
        const answer = await twin(probe);
        const replicas = await probe.specReplicas();
        return (
          !answer.reason.includes('held for scale-down stabilization') &&
          replicas === answer.desiredReplicas &&
          replicas < peak &&
          Date.now()
        );
      },
      180_000,
    );
    console.log(
      `held from the first fall of the instant answer for ${releasedAt - heldSince} ms (scaleDownStabilizationSeconds ${stabilizationSeconds})`,
    );
    // The engine looks back in whole history buckets (15 s): it holds for the window less at most one bucket.
    expect(releasedAt - heldSince).toBeGreaterThanOrEqual((stabilizationSeconds - 15 - 1) * 1000);
    const pods = await probe.pods();
    for (const name of served)
      expect(pods.find((pod) => pod.metadata?.name === name)?.metadata?.labels?.[STATE_LABEL], `reserved pod ${name}`).toBe('reserved');
    kubectl(['delete', 'scaledobject', 'burst', '-n', namespace, '--wait=false']);
  }, 400_000);

  it('external-push: activation from 0 arrives through StreamIsActive, long before a poll; measured beside a polled twin', async () => {
    const spec = { replicas: 0, minPoolSize: 0, maxPoolSize: 10, targetReadyPods: 0, scaleDownStabilizationSeconds: 0 };
    const pushed = await newPool('push', spec);
    const polled = await newPool('poll', spec);
    const pollingInterval = 15;
    // A poll every 300 s: after the first one at creation, only a push can activate the pool within the test.
    apply(
      scaledObjectYaml(pushed.namespace, 'push', 'pool', {
        trigger: { type: 'external-push', scalerAddress: scalerAddress() },
        pollingInterval: 300,
        minReplicaCount: 0,
        maxReplicaCount: 10,
      }),
    );
    apply(
      scaledObjectYaml(polled.namespace, 'poll', 'pool', {
        trigger: { type: 'external', scalerAddress: scalerAddress() },
        pollingInterval,
        minReplicaCount: 0,
        maxReplicaCount: 10,
      }),
    );
    for (const [probe, name] of [
      [pushed, 'push'],
      [polled, 'poll'],
    ] as const) {
      await withKedaLog(
        `ScaledObject ${name} Ready and inactive`,
        async () => {
          const ready = scaledObjectCondition(probe.namespace, name, 'Ready')?.status === 'True';
          // Active stays Unknown until KEDA first finds the trigger active.
          return ready && scaledObjectCondition(probe.namespace, name, 'Active')?.status !== 'True';
        },
        60_000,
      );
    }
    const open = await withKedaLog(
      'KEDA to open its activity stream',
      async () => sumOf(await scrape(operator.metricsPort), 'podpool_scaler_open_streams') >= 1,
      30_000,
    );
    expect(open).toBe(true);

    const changed = Date.now();
    await Promise.all([pushed.patchSpec({ targetReadyPods: 3 }), polled.patchSpec({ targetReadyPods: 3 })]);
    const activated = async (probe: PoolProbe): Promise<number> =>
      withKedaLog(
        `${probe.namespace} activated from 0`,
        async () => ((await probe.specReplicas()) ?? 0) >= 1 && Date.now() - changed,
        (pollingInterval + 30) * 1000,
      );
    const [pushMs, pollMs] = await Promise.all([activated(pushed), activated(polled)]);
    console.log(`activation from 0: external-push ${pushMs} ms, external polled every ${pollingInterval} s ${pollMs} ms`);
    expect(pushMs).toBeLessThan(10_000);
    expect(pollMs).toBeLessThan((pollingInterval + 10) * 1000);
    // From 1 the HPA takes over and asks for the whole desired count.
    await withKedaLog('3 Ready warm pods in the pushed pool', () => pushed.readyWarm(3), 60_000);
    kubectl(['delete', 'scaledobject', 'push', '-n', pushed.namespace, '--wait=false']);
    kubectl(['delete', 'scaledobject', 'poll', '-n', polled.namespace, '--wait=false']);
  }, 300_000);

  it('metrics-api: the HTTP twin drives the same loop up and down', async () => {
    const probe = await newPool('http', {
      replicas: 1,
      minPoolSize: 1,
      maxPoolSize: 10,
      targetReadyPods: 1,
      scaleDownStabilizationSeconds: 0,
    });
    const { namespace } = probe;
    const url = `http://127.0.0.1:${operator.metricsPort}/scaler/v1/namespaces/${namespace}/podpools/pool`;
    const before = sumOf(await scrape(operator.metricsPort), 'podpool_scaler_requests_total', { rpc: 'http' });
    apply(
      scaledObjectYaml(namespace, 'http', 'pool', {
        trigger: { type: 'metrics-api', url },
        pollingInterval: 1,
        minReplicaCount: 1,
        maxReplicaCount: 10,
      }),
    );
    await withKedaLog('the ScaledObject Ready', async () => scaledObjectCondition(namespace, 'http', 'Ready')?.status === 'True', 60_000);
    await probe.patchSpec({ targetReadyPods: 4 });
    await withKedaLog('the HPA to set spec.replicas 4', async () => (await probe.specReplicas()) === 4, 60_000);
    await withKedaLog('4 Ready warm pods', () => probe.readyWarm(4), 60_000);
    await probe.patchSpec({ targetReadyPods: 1 });
    await withKedaLog('the HPA to scale back to 1', async () => (await probe.specReplicas()) === 1, 60_000);
    await withKedaLog('1 Ready warm pod', () => probe.readyWarm(1), 60_000);
    expect(sumOf(await scrape(operator.metricsPort), 'podpool_scaler_requests_total', { rpc: 'http' })).toBeGreaterThan(before);
    kubectl(['delete', 'scaledobject', 'http', '-n', namespace, '--wait=false']);
  }, 300_000);

  it('scaler unreachable: KEDA and the HPA keep the pool where it was (never below minPoolSize), and it follows again once podpool is back', async () => {
    const probe = await newPool('down', {
      replicas: 1,
      minPoolSize: 2,
      maxPoolSize: 10,
      targetReadyPods: 3,
      scaleDownStabilizationSeconds: 0,
    });
    const { namespace } = probe;
    apply(
      scaledObjectYaml(namespace, 'down', 'pool', {
        trigger: { type: 'external', scalerAddress: scalerAddress() },
        pollingInterval: 1,
        minReplicaCount: 1,
        maxReplicaCount: 10,
      }),
    );
    await withKedaLog('the HPA to set spec.replicas 3', async () => (await probe.specReplicas()) === 3, 60_000);
    const pods = await withKedaLog('3 Ready warm pods', () => probe.readyWarm(3), 60_000);
    const names = pods.map((pod) => pod.metadata?.name).sort();

    const ports = {
      metricsPort: operator.metricsPort,
      scalerPort: operator.scalerPort,
      webhookPort: operator.webhookPort,
      reservationsPort: operator.reservationsPort,
    };
    await operator.stop();
    // KEDA's GetMetrics fails; without a fallback the HPA cannot compute and keeps the current count.
    await withKedaLog(
      'the HPA to report the failed metric',
      async () => hpaOf(namespace, 'down')?.conditions?.some((c) => c.type === 'ScalingActive' && c.status === 'False'),
      60_000,
    );
    const outageEnds = Date.now() + 15_000;
    while (Date.now() < outageEnds) {
      expect(await probe.specReplicas()).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect((await probe.pods()).map((pod) => pod.metadata?.name).sort()).toEqual(names);

    operator = await startOperatorProcess({ leaseNamespace: operatorNamespace, identity: 'e2e', ports });
    await probe.patchSpec({ targetReadyPods: 5 });
    await withKedaLog('the HPA to follow again: spec.replicas 5', async () => (await probe.specReplicas()) === 5, 60_000);
    await withKedaLog('5 Ready warm pods', () => probe.readyWarm(5), 60_000);
    kubectl(['delete', 'scaledobject', 'down', '-n', namespace, '--wait=false']);
  }, 300_000);
});
