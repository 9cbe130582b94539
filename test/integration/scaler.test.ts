import * as grpc from '@grpc/grpc-js';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_GROUP, API_VERSION, PLURAL } from '../../src/api/labels.js';
import type { PodPool } from '../../src/api/schema.js';
import { loadExternalScalerDefinition } from '../../src/scaler/grpc-server.js';
import { adminKubeConfig, createNamespace, createPodPool, eventually, installCrd, timeoutAfterWaits } from './support/cluster.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';

const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
const WAIT_MS = 20_000;
/** The longest the test runs after it patches in a window: its two waits, and the calls between. */
const AFTER_PATCH_MS = 2 * WAIT_MS + 10_000;
type Client = grpc.Client & Record<string, (request: unknown, callback: (error: grpc.ServiceError | null, response: any) => void) => void>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the KEDA scaler serves the engine answer of a real PodPool', () => {
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let namespace: string;
  let operator: OperatorProcess;
  let client: Client;

  const getMetrics = (): Promise<number> =>
    new Promise((resolve, reject) =>
      client.GetMetrics!(
        { scaledObjectRef: { name: 'so', namespace, scalerMetadata: { podPoolName: 'keda' } }, metricName: '' },
        (error, response) => (error ? reject(error) : resolve(Number(response.metricValues[0].metricValue))),
      ),
    );
  const http = async (): Promise<{ desiredReplicas: number; reason: string }> =>
    (await (await fetch(`http://127.0.0.1:${operator.metricsPort}/scaler/v1/namespaces/${namespace}/podpools/keda`)).json()) as {
      desiredReplicas: number;
      reason: string;
    };
  const status = async (): Promise<PodPool['status']> =>
    ((await custom.getNamespacedCustomObject({ ...ref, namespace, name: 'keda' })) as PodPool).status;

  beforeAll(async () => {
    kc = adminKubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrd(kc);
    namespace = await createNamespace(kc, 'keda');
    operator = await startOperatorProcess({ leaseNamespace: namespace, identity: 'keda-op' });
    const ExternalScaler = loadExternalScalerDefinition().ExternalScaler as grpc.ServiceClientConstructor;
    client = new ExternalScaler(`127.0.0.1:${operator.scalerPort}`, grpc.credentials.createInsecure()) as unknown as Client;
  });

  afterAll(async () => {
    client?.close();
    await operator?.stop();
  });

  it(
    'flows the desired count to GetMetrics, the HTTP twin and status, and pre-scales when a window is about to start',
    async () => {
      await createPodPool(kc, namespace, 'keda', { targetReadyPods: 2, maxPoolSize: 20, scaleDownStabilizationSeconds: 0 });
      await eventually('GetMetrics to answer 2', async () => (await getMetrics()) === 2, WAIT_MS);
      expect((await http()).desiredReplicas).toBe(2);
      await eventually('status.desiredReplicas 2', async () => (await status())?.desiredReplicas === 2, WAIT_MS);

      // A window that starts at the next full hour, with a lead time that reaches it. Windows are
      // whole hours and a lead time at most one, so it must be the next hour: too close to it, the
      // test first waits for it to pass, so the window cannot start (and the reason flip) meanwhile.
      const msToNextHour = 3_600_000 - (Date.now() % 3_600_000);
      if (msToNextHour < AFTER_PATCH_MS) await new Promise((resolve) => setTimeout(resolve, msToNextHour + 1_000));
      const now = new Date();
      const nextHour = (now.getUTCHours() + 1) % 24;
      const secondsToNextHour = 3600 - (now.getUTCMinutes() * 60 + now.getUTCSeconds());
      await custom.patchNamespacedCustomObject({
        ...ref,
        namespace,
        name: 'keda',
        body: [
          { op: 'add', path: '/spec/warmupSeconds', value: Math.min(3600, secondsToNextHour + 30) },
          {
            op: 'add',
            path: '/spec/timeBasedScaling',
            value: [{ hourStart: nextHour, hourEnd: (nextHour + 1) % 24 || 24, targetPoolSize: 7 }],
          },
        ],
      });
      await eventually('GetMetrics to pre-scale to 7', async () => (await getMetrics()) === 7, WAIT_MS);
      const twin = await http();
      expect(twin.desiredReplicas).toBe(7);
      expect(twin.reason).toContain('starts within the');
      await eventually('status.desiredReplicas 7', async () => (await status())?.desiredReplicas === 7, WAIT_MS);
    },
    timeoutAfterWaits(WAIT_MS, WAIT_MS, AFTER_PATCH_MS, WAIT_MS, WAIT_MS),
  );

  it('answers NOT_FOUND for a pool that does not exist', async () => {
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.GetMetricSpec!({ name: 'so', namespace, scalerMetadata: { podPoolName: 'missing' } }, (e) => resolve(e)),
    );
    expect(error?.code).toBe(grpc.status.NOT_FOUND);
  });
});
