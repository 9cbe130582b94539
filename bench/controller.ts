/**
 * Controller benchmark against the real local control plane (kube-apiserver, scheduler, kwok nodes
 * with Leases), one operator in this process:
 *   1. fill: one pool of FILL pods from its creation to all Ready, beside the floor (a bare
 *      node:https client creating the same pods, MAX_CONCURRENT_WRITES in flight, to all Ready),
 *      ROUNDS alternating rounds;
 *   2. scale: POOLS pools x PODS pods, then a quiet window of STEADY seconds with nothing changing:
 *      operator CPU (share of one core), resident memory, reconciles and watch events per second,
 *      and the memory each cached pod costs (heap after a full GC, with the pods vs without);
 *   3. a spec change to one pool while the others idle (replicas +1, then -1, CHANGES times): the
 *      time from the patch sent to the first create or delete the operator sent (seen in its cache);
 *   4. the operator alone: `podpool operator` as its own process, compiled (dist/, as the image
 *      runs it; built here first), started on those 20,000 pods: its resident memory and CPU over
 *      STEADY seconds, read from /proc, with none of this process's clients, informers or creation
 *      burst in them.
 * Run: npm run bench:controller [-- --json]   (FILL=300 ROUNDS=3 POOLS=1000 PODS=20 STEADY=60 CHANGES=20)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import {
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { poolKey, type PoolKey } from '../src/api/pool-key.js';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL } from '../src/api/labels.js';
import { MAX_CONCURRENT_WRITES } from '../src/controller/steps/target.js';
import { forEachBounded } from '../src/kube/bounded.js';
import { informerEvents, reconcileDuration } from '../src/metrics.js';
import { startBenchOperator } from './operator.js';
import { installCrds, startControlPlane, type ControlPlane } from '../dev/cluster/control-plane.js';
import { startOperatorProcess } from '../dev/cluster/operator-process.js';
import { figure, recordResults, type Figure } from './results.js';
import { percentile } from './support.js';

const FILL = Number(process.env.FILL ?? 300);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const POOLS = Number(process.env.POOLS ?? 1000);
const PODS = Number(process.env.PODS ?? 20);
const STEADY = Number(process.env.STEADY ?? 60);
const CHANGES = Number(process.env.CHANGES ?? 20);
const NAMESPACE = 'bench';
const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
const CONTAINERS = [{ name: 'c', image: 'busybox' }];

const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Counts Ready pods matching a label selector from an informer: the same yardstick for the floor
 * and for podpool. An informer, not a bare watch: the API server ends watches (its watch cache
 * re-initializes in the first seconds after the CRDs go in), and a count that stops would wait
 * out its timeout.
 */
async function readyCounter(kubeConfig: KubeConfig, core: CoreV1Api, labelSelector: string) {
  const ready = new Set<string>();
  const pods = new Set<string>();
  const informer = makeInformer(
    kubeConfig,
    `/api/v1/namespaces/${NAMESPACE}/pods`,
    () => core.listNamespacedPod({ namespace: NAMESPACE, labelSelector }),
    labelSelector,
  );
  const seen = (pod: V1Pod): void => {
    const name = pod.metadata?.name ?? '';
    pods.add(name);
    if (isReady(pod)) ready.add(name);
    else ready.delete(name);
  };
  let stopped = false;
  informer.on('add', seen);
  informer.on('update', seen);
  informer.on('delete', (pod: V1Pod) => {
    pods.delete(pod.metadata?.name ?? '');
    ready.delete(pod.metadata?.name ?? '');
  });
  informer.on('error', () => {
    if (!stopped) setTimeout(() => void informer.start(), 500);
  });
  await informer.start();
  return {
    ready: () => ready.size,
    pods: () => pods.size,
    stop: () => {
      stopped = true;
      void informer.stop();
    },
  };
}

/** The floor's client: one keep-alive agent with the admin certificate, bodies serialized once. */
function bareCreator(plane: ControlPlane): (body: string) => Promise<void> {
  const url = new URL(plane.server);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: MAX_CONCURRENT_WRITES,
    ca: plane.caPem,
    cert: plane.admin.certPem,
    key: plane.admin.keyPem,
  });
  return (body) =>
    new Promise((resolve, reject) => {
      const call = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `/api/v1/namespaces/${NAMESPACE}/pods`,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            response.statusCode === 201
              ? resolve()
              : reject(new Error(`create ${response.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`)),
          );
        },
      );
      call.on('error', reject);
      call.end(body);
    });
}

const plane = await startControlPlane({ nodes: 10, log: () => undefined });
try {
  installCrds(plane);
  plane.kubectl(['create', 'namespace', NAMESPACE]);
  plane.kubectl(['create', 'namespace', 'podpool-system']);
  const operator = await startBenchOperator(plane);
  const custom = operator.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = operator.kubeConfig.makeApiClient(CoreV1Api);
  const pool = (name: string, replicas: number): object => ({
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'PodPool',
    metadata: { name },
    spec: { replicas, maxPoolSize: 1000, podTemplate: { spec: { containers: CONTAINERS } } },
  });
  const figures: Figure[] = [];

  // 1. fill, alternating with the floor
  const create = bareCreator(plane);
  const fill = { floor: [] as number[], podpool: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? (['floor', 'podpool'] as const) : (['podpool', 'floor'] as const)) {
      const selector = mode === 'floor' ? 'bench=floor' : `${POOL_LABEL}=fill`;
      const counter = await readyCounter(operator.kubeConfig, core, selector);
      const started = performance.now();
      if (mode === 'floor') {
        const body = JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { generateName: 'floor-', labels: { bench: 'floor' } },
          spec: { containers: CONTAINERS },
        });
        await forEachBounded(
          Array.from({ length: FILL }, (_, i) => i),
          MAX_CONCURRENT_WRITES,
          () => create(body),
        );
      } else {
        await custom.createNamespacedCustomObject({ ...ref, namespace: NAMESPACE, body: pool('fill', FILL) });
      }
      await waitFor(`${FILL} ${mode} pods Ready`, () => counter.ready() >= FILL, 300_000);
      fill[mode].push((performance.now() - started) / 1000);
      if (mode === 'podpool') await custom.deleteNamespacedCustomObject({ ...ref, namespace: NAMESPACE, name: 'fill' });
      await core.deleteCollectionNamespacedPod({ namespace: NAMESPACE, labelSelector: selector, gracePeriodSeconds: 0 });
      await waitFor(`the ${mode} pods to go`, () => counter.pods() === 0, 120_000);
      counter.stop();
    }
  }
  const median = (values: number[]): number =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  const fillFloor = median(fill.floor);
  const fillPodpool = median(fill.podpool);
  figures.push(figure(`fill ${FILL} pods to Ready (median of ${ROUNDS})`, fillPodpool, 's', fillFloor, '<= 1.2x floor'));

  // 2. many pools, then nothing changing
  await waitFor('an empty cache', () => operator.cache.pods.list().length === 0, 60_000);
  globalThis.gc?.();
  const heapEmpty = process.memoryUsage().heapUsed;
  const scaleStarted = performance.now();
  await forEachBounded(
    Array.from({ length: POOLS }, (_, i) => i),
    16,
    async (i) => {
      await custom.createNamespacedCustomObject({ ...ref, namespace: NAMESPACE, body: pool(`p${i}`, PODS) });
    },
  );
  const readyPods = (): number => operator.cache.pods.list().filter(isReady).length;
  const progress = setInterval(
    () => console.error(`${operator.cache.pods.list().length} of ${POOLS * PODS} pods, ${readyPods()} Ready`),
    30_000,
  );
  await waitFor(`${POOLS * PODS} Ready pods`, () => readyPods() >= POOLS * PODS, 3_600_000);
  clearInterval(progress);
  const scaleSeconds = (performance.now() - scaleStarted) / 1000;
  console.error(`${POOLS} pools x ${PODS} pods Ready in ${scaleSeconds.toFixed(0)} s; settling`);
  // Status writes of the last pools, warm-up samples and events settle within a resync or two.
  await sleep(30_000);

  const eventsNow = async (): Promise<number> => (await informerEvents.get()).values.reduce((sum, v) => sum + v.value, 0);
  const reconcilesNow = async (): Promise<number> =>
    (await reconcileDuration.get()).values.find((v) => v.metricName === 'podpool_reconcile_duration_seconds_count')?.value ?? 0;
  const [eventsBefore, reconcilesBefore] = [await eventsNow(), await reconcilesNow()];
  const cpuBefore = process.cpuUsage();
  await sleep(STEADY * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const [eventsAfter, reconcilesAfter] = [await eventsNow(), await reconcilesNow()];
  const cpuShare = (cpu.user + cpu.system) / 1000 / (STEADY * 1000);
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  globalThis.gc?.();
  const heapFull = process.memoryUsage().heapUsed;
  const pods = operator.cache.pods.list().length;
  const perPodKb = (heapFull - heapEmpty) / pods / 1024;
  figures.push(
    figure(`steady state ${POOLS} pools x ${PODS} pods: operator CPU`, cpuShare * 100, '% of a core', undefined, '< 5'),
    figure(`steady state ${POOLS} pools x ${PODS} pods: resident memory`, rssMb, 'MiB', undefined, '< 500'),
    figure('steady state: reconciles per second', (reconcilesAfter - reconcilesBefore) / STEADY, '1/s'),
    figure('steady state: watch events absorbed per second', (eventsAfter - eventsBefore) / STEADY, '1/s'),
    figure('heap per cached pod (after a full GC)', perPodKb, 'KiB'),
  );

  // 3. a spec change to one pool while the others idle
  const changeLatencies: number[] = [];
  const waiters = new Map<PoolKey, () => void>();
  operator.cache.onChange((key) => waiters.get(key)?.());
  for (let i = 0; i < CHANGES; i++) {
    const name = `p${(i * 37) % POOLS}`;
    const key = poolKey(NAMESPACE, name);
    const before = new Set(
      operator.cache
        .podsOf(NAMESPACE, name)
        .filter((p) => p.metadata?.deletionTimestamp === undefined)
        .map((p) => p.metadata?.name),
    );
    const replicas = i % 2 === 0 ? PODS + 1 : PODS - 1;
    const acted = new Promise<void>((resolve) =>
      waiters.set(key, () => {
        const now = operator.cache
          .podsOf(NAMESPACE, name)
          .filter((p) => p.metadata?.deletionTimestamp === undefined)
          .map((p) => p.metadata?.name);
        if (now.length !== before.size || now.some((n) => !before.has(n))) resolve();
      }),
    );
    const started = performance.now();
    await custom.patchNamespacedCustomObject(
      { ...ref, namespace: NAMESPACE, name, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await acted;
    changeLatencies.push(performance.now() - started);
    waiters.delete(key);
    await sleep(500);
  }
  changeLatencies.sort((a, b) => a - b);
  figures.push(
    figure('spec change acted on (patch sent -> first create/delete seen), p50', percentile(changeLatencies, 50), 'ms'),
    figure(
      'spec change acted on (patch sent -> first create/delete seen), p99',
      percentile(changeLatencies, 99),
      'ms',
      undefined,
      '<= 1000',
    ),
  );
  await operator.stop();

  // 4. the operator alone, in its own process, on the pools and pods that are there: as Node
  // defaults it, and with the heap limit the Helm chart sets (NODE_OPTIONS from values.yaml).
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const chartHeapMiB = (parse(readFileSync('charts/podpool/values.yaml', 'utf8')) as { maxOldSpaceMiB?: number }).maxOldSpaceMiB;
  const variants: Array<{ label: string; nodeOptions: string[] }> = [{ label: "Node's default heap", nodeOptions: [] }];
  if (chartHeapMiB)
    variants.push({ label: `the chart's --max-old-space-size=${chartHeapMiB}`, nodeOptions: [`--max-old-space-size=${chartHeapMiB}`] });
  for (const variant of variants) {
    const alone = await startOperatorProcess({
      compiled: true,
      leaseNamespace: 'podpool-system',
      identity: 'alone',
      kubeconfigPath: plane.kubeconfigPath,
      logLevel: 'info',
      readyTimeoutMs: 120_000,
      nodeOptions: variant.nodeOptions,
    });
    try {
      await sleep(30_000); // its first pass over every pool (nothing to do) and the election
      const pid = alone.child.pid ?? 0;
      const cpuTicks = (): number => {
        // utime and stime, fields 14 and 15 of /proc/<pid>/stat, after the ")" that ends the name.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return Number(fields[11]) + Number(fields[12]);
      };
      const ticksBefore = cpuTicks();
      await sleep(STEADY * 1000);
      const ticks = cpuTicks() - ticksBefore;
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      // USER_HZ is 100 on Linux.
      const aloneCpu = ticks / 100 / STEADY;
      const on = `on ${POOLS * PODS} pods, ${variant.label}`;
      figures.push(
        figure(`the operator alone (own process) ${on}: CPU`, aloneCpu * 100, '% of a core', undefined, '< 5'),
        figure(`the operator alone (own process) ${on}: resident memory`, rssKb / 1024, 'MiB', undefined, '< 500'),
      );
    } finally {
      await alone.stop();
    }
  }

  console.log(`Controller against the real API server and kwok (10 nodes with Leases), one operator in this process.

| measurement | podpool | floor | ratio | goal |
| --- | ---: | ---: | ---: | --- |
${figures.map((f) => `| ${f.name} | ${f.value} ${f.unit} | ${f.floor ?? ''} | ${f.ratio === undefined ? '' : `${f.ratio}x`} | ${f.goal ?? ''} |`).join('\n')}

fill rounds (s): floor ${fill.floor.map((s) => s.toFixed(2)).join(', ')}; podpool ${fill.podpool.map((s) => s.toFixed(2)).join(', ')}
${POOLS} x ${PODS} pods Ready ${scaleSeconds.toFixed(0)} s after the first pool was created; ${pods} pods in the cache; heap ${(heapEmpty / 2 ** 20).toFixed(0)} -> ${(heapFull / 2 ** 20).toFixed(0)} MiB`);
  recordResults('controller', 'npm run bench:controller -- --json', figures);
} finally {
  await plane.stop();
}
