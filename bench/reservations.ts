/**
 * Reservation API benchmark against the real local control plane: one operator process serving
 * HTTPS with its self-made certificate, a ServiceAccount token authorized by RBAC (TokenReview +
 * SubjectAccessReview, cached per token), a pool of POOL ready pods on kwok, then POOL
 * reservations from CONCURRENCY callers. Reports reservations per second and latency.
 * Run: npm run bench:reservations   (POOL=200 CONCURRENCY=20)
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL, STATE_LABEL } from '../src/api/labels.js';
import { startOperator } from '../src/operator.js';
import { ReservationsClient } from '../src/reservations/index.js';
import { installPodPoolCrd, startControlPlane } from '../test/cluster/control-plane.js';
import { percentile } from './support.js';

const POOL = Number(process.env.POOL ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);

const plane = await startControlPlane({ log: () => undefined });
try {
  const kubectl = plane.kubectl;
  installPodPoolCrd(plane);
  kubectl(['create', 'namespace', 'bench']);
  kubectl(['create', 'namespace', 'podpool-system']);
  kubectl(['create', 'serviceaccount', 'caller', '-n', 'bench']);
  kubectl(['create', 'role', 'reserver', '-n', 'bench', '--verb=create', '--resource=podpools.podpool.dev/reservations']);
  kubectl(['create', 'rolebinding', 'reserver', '-n', 'bench', '--role=reserver', '--serviceaccount=bench:caller']);
  const token = kubectl(['create', 'token', 'caller', '-n', 'bench']).trim();

  const port = 18443;
  const operator = await startOperator(
    {
      kubeconfigPath: plane.kubeconfigPath,
      namespace: 'podpool-system',
      leaseName: 'podpool-controller',
      identity: 'bench',
      leaderElect: false,
      metricsPort: 0,
      bindAddress: '127.0.0.1',
      workers: 4,
      scalerPort: 0,
      webhookPort: 0,
      reservationsPort: port,
      certificates: { kind: 'secret', namespace: 'podpool-system', secretName: 'podpool-tls', serviceNames: [], extraNames: ['127.0.0.1'] },
    },
    pino({ level: 'warn' }),
  );
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    plural: PLURAL,
    namespace: 'bench',
    body: {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: 'PodPool',
      metadata: { name: 'pool' },
      spec: { replicas: POOL, maxPoolSize: 1000, podTemplate: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
    },
  });
  const readyNow = (): number =>
    operator.cache.podsOf('bench', 'pool').filter((p) => p.metadata?.labels?.[STATE_LABEL] === 'ready').length;
  while (readyNow() < POOL) await new Promise((r) => setTimeout(r, 100));
  // Stop refilling so every reservation takes a pod that was ready before the run.
  await operator.controller.stop();

  const secret = await core.readNamespacedSecret({ name: 'podpool-tls', namespace: 'podpool-system' });
  const ca = Buffer.from(secret.data?.['ca-bundle.crt'] ?? '', 'base64').toString();
  const client = new ReservationsClient({ baseUrl: `https://127.0.0.1:${port}`, token, ca });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < POOL) {
        const i = next++;
        const t = performance.now();
        await client.reserve('bench', 'pool', { user: `user-${i}` });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const reserved = (await core.listNamespacedPod({ namespace: 'bench', labelSelector: `${POOL_LABEL}=pool,${STATE_LABEL}=reserved` })).items.length;
  await operator.stop();
  console.log(`Reservations against the real API server (one operator, HTTPS, TokenReview + SubjectAccessReview, ${CONCURRENCY} concurrent callers)

| measurement | value |
| --- | ---: |
| reservations made (all distinct pods, verified reserved in the API) | ${latencies.length} (${reserved} reserved) |
| reservations per second | ${(latencies.length / seconds).toFixed(0)} |
| p50 latency | ${percentile(latencies, 50).toFixed(1)} ms |
| p99 latency | ${percentile(latencies, 99).toFixed(1)} ms |`);
} finally {
  await plane.stop();
}
