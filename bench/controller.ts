/**
 * Controller benchmark against the real local control plane (kube-apiserver, scheduler, kwok):
 *   1. time to fill one pool of 300 pods to Ready, from the PodPool's creation;
 *   2. reconcile cost with 100 pools of 50 pods each, in steady state (resyncs; kwok's pods may
 *      flap under this load, so some reconciles relabel pods and write status): the reconcile
 *      duration histogram (wall-clock, API calls included) and the operator's CPU per reconcile.
 * Run: npm run bench:controller   (POOLS=100 PODS=50 FILL=300 to change the sizes)
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL } from '../src/api/labels.js';
import { reconcileDuration } from '../src/metrics.js';
import { startOperator } from '../src/operator.js';
import { installPodPoolCrd, startControlPlane } from '../test/cluster/control-plane.js';

const FILL = Number(process.env.FILL ?? 300);
const POOLS = Number(process.env.POOLS ?? 100);
const PODS = Number(process.env.PODS ?? 50);
const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };

const plane = await startControlPlane({ nodes: 10, log: () => undefined });
try {
  const kubectl = plane.kubectl;
  installPodPoolCrd(plane);
  kubectl(['create', 'namespace', 'bench']);
  kubectl(['create', 'namespace', 'podpool-system']);
  const operator = await startOperator(
    { kubeconfigPath: plane.kubeconfigPath, namespace: 'podpool-system', leaseName: 'podpool-controller', identity: 'bench', leaderElect: false, metricsPort: 0, bindAddress: '127.0.0.1', workers: 4, scalerPort: 0, webhookPort: 0, reservationsPort: 0, certificates: { kind: 'directory', directory: '' } },
    pino({ level: 'warn' }),
  );
  const custom = operator.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = operator.kubeConfig.makeApiClient(CoreV1Api);
  const pool = (name: string, replicas: number): object => ({
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'PodPool',
    metadata: { name },
    spec: { replicas, maxPoolSize: 1000, podTemplate: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  const readyPods = (): number => operator.cache.pods.list().filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const waitFor = async (check: () => boolean, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  // 1. fill
  const started = Date.now();
  await custom.createNamespacedCustomObject({ ...ref, namespace: 'bench', body: pool('fill', FILL) });
  await waitFor(() => readyPods() >= FILL, 300_000);
  const fillSeconds = (Date.now() - started) / 1000;
  console.error(`filled ${FILL} pods in ${fillSeconds.toFixed(1)} s`);
  await custom.deleteNamespacedCustomObject({ ...ref, namespace: 'bench', name: 'fill' });
  await core.deleteCollectionNamespacedPod({ namespace: 'bench', labelSelector: `${POOL_LABEL}=fill`, gracePeriodSeconds: 0 });
  await waitFor(() => operator.cache.pods.list().length === 0, 120_000);

  // 2. many pools
  const manyStarted = Date.now();
  for (let i = 0; i < POOLS; i += 1) await custom.createNamespacedCustomObject({ ...ref, namespace: 'bench', body: pool(`p${i}`, PODS) });
  // 5000 kwok pods overload a 2-core machine's fake kubelets (node heartbeats lag and the node
  // lifecycle controller marks pods NotReady), so this phase waits for the pods to exist, not to be Ready.
  const allPods = (): number => operator.cache.pods.list().length;
  const progress = setInterval(() => console.error(`${allPods()} of ${POOLS * PODS} pods created, ${readyPods()} Ready`), 15_000);
  await waitFor(() => allPods() >= POOLS * PODS, 1_800_000);
  clearInterval(progress);
  const manySeconds = (Date.now() - manyStarted) / 1000;
  console.error(`created ${POOLS} x ${PODS} pods in ${manySeconds.toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, 5_000));
  reconcileDuration.reset();
  const measureMs = 35_000; // two resync periods of every pool
  const cpuBefore = process.cpuUsage();
  await new Promise((r) => setTimeout(r, measureMs));
  const steadyCpu = process.cpuUsage(cpuBefore);
  const metric = (await reconcileDuration.get()).values;
  const sum = metric.find((v) => v.metricName === 'podpool_reconcile_duration_seconds_sum')?.value ?? 0;
  const count = metric.find((v) => v.metricName === 'podpool_reconcile_duration_seconds_count')?.value ?? 0;
  const cpu = process.cpuUsage();
  await operator.stop();

  console.log(`| measurement | value |
| --- | --- |
| fill one pool of ${FILL} pods to Ready (create -> all Ready on kwok) | ${fillSeconds.toFixed(1)} s (${(FILL / fillSeconds).toFixed(0)} pods/s) |
| create ${POOLS} pools x ${PODS} pods (${POOLS * PODS} pods, all seen in the cache) | ${manySeconds.toFixed(1)} s |
| steady-state reconciles in ${measureMs / 1000} s with ${POOLS} pools x ${PODS} pods | ${count} |
| mean reconcile duration, wall-clock (steady state, waits on its API calls) | ${count > 0 ? ((sum / count) * 1000).toFixed(2) : 'n/a'} ms |
| operator CPU per steady-state reconcile (process CPU in the window / reconciles) | ${count > 0 ? ((steadyCpu.user + steadyCpu.system) / 1000 / count).toFixed(2) : 'n/a'} ms |
| operator CPU in the steady-state window (share of one core) | ${(((steadyCpu.user + steadyCpu.system) / 1000 / measureMs) * 100).toFixed(1)}% |
| operator process CPU over the whole run (user+system) | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s |`);
} finally {
  await plane.stop();
}
