/**
 * Handing ready pods to users, three ways, against the real local control plane, side by side:
 *   floor  a bare node:https client with the admin certificate sending the very merge patch a
 *          reservation sends (resourceVersion-guarded, built by reservationPatch), keep-alive;
 *   api    podpool's reservation API over HTTPS with a ServiceAccount token (TokenReview and
 *          SubjectAccessReview, cached per token), through one operator process;
 *   claim  a PodPoolClaim created with client-node; latency is create sent -> Bound seen on a
 *          watch of the namespace's claims (the leader's claim controller binds it).
 * Each runs at one in flight and at CONCURRENCY in flight, ROUNDS times in rotating order; before
 * each run the pool is refilled to exactly the pods the run takes and the PodPool controller is
 * stopped, so every call takes a pod that was ready before it began.
 * Run: npm run bench:reservations [-- --json]   (POOL=200 CONCURRENCY=20 ROUNDS=3 SINGLE=40)
 * Profile one mode: MODES=api ROUNDS=1 node --cpu-prof --import tsx bench/reservations.ts
 */
import { Agent, request } from 'node:https';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch, type V1Pod } from '@kubernetes/client-node';
import { CLAIM_PLURAL, type PodPoolClaim } from '../src/api/claim-schema.js';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL, STATE_LABEL } from '../src/api/labels.js';
import { ClaimClient } from '../src/claims/client.js';
import { ConnectionReusingKubeConfig } from '../src/kube/kube-config.js';
import { startBenchOperator } from './operator.js';
import { ReservationsClient } from '../src/reservations/index.js';
import { reservationPatch } from '../src/reservations/reserve.js';
import { installCrds, startControlPlane, type ControlPlane } from '../dev/cluster/control-plane.js';
import { figure, recordResults } from './results.js';
import { percentile } from './support.js';

const POOL = Number(process.env.POOL ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SINGLE = Number(process.env.SINGLE ?? 40);
const NAMESPACE = 'bench';
const ALL_MODES = ['floor', 'api', 'claim'] as const;
type Mode = (typeof ALL_MODES)[number];
const MODES: readonly Mode[] =
  process.env.MODES === undefined ? ALL_MODES : ALL_MODES.filter((mode) => process.env.MODES?.split(',').includes(mode));

interface Run {
  latencies: number[];
  seconds: number;
  /** CPU this process (callers, and for api and claim the operator too) spent in the run. */
  cpuMs: number;
}

/** The bare floor: one keep-alive agent, the admin's client certificate, the reservation's own patch bytes. */
function barePatcher(plane: ControlPlane, concurrency: number): (pod: V1Pod, user: string) => Promise<void> {
  const url = new URL(plane.server);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: concurrency,
    ca: plane.caPem,
    cert: plane.admin.certPem,
    key: plane.admin.keyPem,
  });
  return (pod, user) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(
        reservationPatch({
          namespace: NAMESPACE,
          podName: pod.metadata?.name ?? '',
          resourceVersion: pod.metadata?.resourceVersion ?? '',
          user,
          caller: 'system:admin',
          reservedAt: new Date().toISOString(),
          ttlSeconds: undefined,
        }),
      );
      const call = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'PATCH',
          path: `/api/v1/namespaces/${NAMESPACE}/pods/${pod.metadata?.name}?fieldManager=bench-floor`,
          headers: {
            'content-type': 'application/merge-patch+json',
            'content-length': Buffer.byteLength(body),
            accept: 'application/json',
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            // The answer is parsed, as any client (and podpool) parses the pod it gets back.
            const text = Buffer.concat(chunks).toString();
            if (response.statusCode === 200) {
              JSON.parse(text);
              resolve();
            } else reject(new Error(`floor patch ${response.statusCode}: ${text.slice(0, 200)}`));
          });
        },
      );
      call.on('error', reject);
      call.end(body);
    });
}

async function closedLoop(count: number, concurrency: number, call: (i: number) => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await call(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const cpu = process.cpuUsage(cpuBefore);
  return { latencies, seconds: (performance.now() - started) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const plane = await startControlPlane({ log: () => undefined });
try {
  const kubectl = plane.kubectl;
  installCrds(plane);
  kubectl(['create', 'namespace', NAMESPACE]);
  kubectl(['create', 'namespace', 'podpool-system']);
  kubectl(['create', 'serviceaccount', 'caller', '-n', NAMESPACE]);
  kubectl(['create', 'role', 'reserver', '-n', NAMESPACE, '--verb=create', '--resource=podpools.podpool.dev/reservations']);
  kubectl(['create', 'rolebinding', 'reserver', '-n', NAMESPACE, '--role=reserver', `--serviceaccount=${NAMESPACE}:caller`]);
  const token = kubectl(['create', 'token', 'caller', '-n', NAMESPACE]).trim();

  const port = 18443;
  const operator = await startBenchOperator(plane, {
    reservationsPort: port,
    certificates: { kind: 'secret', namespace: 'podpool-system', secretName: 'podpool-tls', serviceNames: [], extraNames: ['127.0.0.1'] },
  });
  // Callers' clients reuse their connections, as podpool's own do (see src/kube/kube-config.ts).
  const kc = new ConnectionReusingKubeConfig();
  kc.loadFromFile(plane.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const poolRef = { group: API_GROUP, version: API_VERSION, plural: PLURAL, namespace: NAMESPACE, name: 'pool' };
  await custom.createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    plural: PLURAL,
    namespace: NAMESPACE,
    body: {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: 'PodPool',
      metadata: { name: 'pool' },
      spec: { replicas: 0, maxPoolSize: 1000, podTemplate: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
    },
  });
  const readyPods = (): V1Pod[] =>
    operator.cache
      .podsOf(NAMESPACE, 'pool')
      .filter((p) => p.metadata?.labels?.[STATE_LABEL] === 'ready' && p.metadata.deletionTimestamp === undefined);

  /** Deletes what the last run reserved, fills the pool to `count` ready pods, then stops the controller. */
  const refill = async (count: number): Promise<V1Pod[]> => {
    await core.deleteCollectionNamespacedPod({
      namespace: NAMESPACE,
      labelSelector: `${POOL_LABEL}=pool,${STATE_LABEL}=reserved`,
      gracePeriodSeconds: 0,
    });
    await custom.deleteCollectionNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      plural: CLAIM_PLURAL,
      namespace: NAMESPACE,
    });
    await custom.patchNamespacedCustomObject(
      { ...poolRef, body: { spec: { replicas: count } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    operator.controller.start();
    const deadline = Date.now() + 120_000;
    while (readyPods().length !== count || operator.cache.podsOf(NAMESPACE, 'pool').length !== count) {
      if (Date.now() > deadline) throw new Error(`the pool did not settle at ${count} ready pods (${readyPods().length} ready)`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await operator.controller.stop();
    return readyPods();
  };

  const secret = await core.readNamespacedSecret({ name: 'podpool-tls', namespace: 'podpool-system' });
  const ca = Buffer.from(secret.data?.['ca-bundle.crt'] ?? '', 'base64').toString();
  const api = new ReservationsClient({ baseUrl: `https://127.0.0.1:${port}`, token, ca });
  const claims = new ClaimClient(kc);

  // One watch on the namespace's claims tells each waiting claim when it is Bound.
  const boundWaiters = new Map<string, () => void>();
  const claimWatch = await new Watch(kc).watch(
    `/apis/${API_GROUP}/${API_VERSION}/namespaces/${NAMESPACE}/${CLAIM_PLURAL}`,
    {},
    (_type: string, claim: PodPoolClaim) => {
      if (claim.status?.phase !== 'Bound') return;
      const name = claim.metadata.name ?? '';
      boundWaiters.get(name)?.();
      boundWaiters.delete(name);
    },
    () => undefined,
  );

  const run = async (mode: Mode, count: number, concurrency: number, round: number): Promise<Run> => {
    const pods = await refill(count);
    const floor = barePatcher(plane, concurrency);
    const calls: Record<Mode, (i: number) => Promise<void>> = {
      floor: (i) => floor(pods[i] as V1Pod, `user-${i}`),
      api: async (i) => {
        await api.reserve(NAMESPACE, 'pool', { user: `user-${i}` });
      },
      claim: async (i) => {
        const name = `r${round}-c${concurrency}-${i}`;
        const bound = new Promise<void>((resolve) => boundWaiters.set(name, resolve));
        await claims.create({ namespace: NAMESPACE, name, spec: { poolName: 'pool', user: `user-${i}` } });
        await bound;
      },
    };
    const result = await closedLoop(count, concurrency, calls[mode]);
    const reserved = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${POOL_LABEL}=pool,${STATE_LABEL}=reserved` }))
      .items;
    const users = new Set(reserved.map((pod) => pod.metadata?.annotations?.['podpool.dev/reserved-by']));
    if (reserved.length !== count || users.size !== count)
      throw new Error(`${mode}: ${reserved.length} pods reserved for ${users.size} users, expected ${count}`);
    return result;
  };

  const levels = [
    { concurrency: 1, count: SINGLE },
    { concurrency: CONCURRENCY, count: POOL },
  ];
  const runs = new Map<string, Run[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const level of levels) {
      for (let k = 0; k < MODES.length; k++) {
        const mode = MODES[(k + round) % MODES.length] as Mode;
        const key = `${mode}@${level.concurrency}`;
        runs.set(key, [...(runs.get(key) ?? []), await run(mode, level.count, level.concurrency, round)]);
      }
    }
  }
  claimWatch.abort();
  await operator.stop();

  const summary = (mode: Mode, concurrency: number) => {
    const all = runs.get(`${mode}@${concurrency}`) ?? [];
    const latencies = all.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const perSecond = all.reduce((sum, r) => sum + r.latencies.length, 0) / all.reduce((sum, r) => sum + r.seconds, 0);
    const cpuMsPerCall = all.reduce((sum, r) => sum + r.cpuMs, 0) / Math.max(1, latencies.length);
    return { count: latencies.length, perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuMsPerCall };
  };
  const rows: string[] = [];
  const figures = [];
  for (const { concurrency } of levels) {
    const floor = summary('floor', concurrency);
    for (const mode of MODES) {
      const s = summary(mode, concurrency);
      const ratio = (value: number, base: number): string => (mode === 'floor' ? '' : `${(value / base).toFixed(2)}x`);
      rows.push(
        `| ${concurrency} | ${mode} | ${s.count} | ${s.perSecond.toFixed(0)} | ${ratio(s.perSecond, floor.perSecond)} | ${s.p50.toFixed(1)} | ${ratio(s.p50, floor.p50)} | ${s.p99.toFixed(1)} | ${ratio(s.p99, floor.p99)} | ${s.cpuMsPerCall.toFixed(2)} |`,
      );
      if (mode === 'floor') continue;
      const goal = (text: string): string | undefined => (mode === 'api' && concurrency === CONCURRENCY ? text : undefined);
      figures.push(
        figure(`${mode} per second, ${concurrency} in flight`, s.perSecond, '1/s', floor.perSecond, goal('>= 0.8x floor')),
        figure(`${mode} p50, ${concurrency} in flight`, s.p50, 'ms', floor.p50),
        figure(`${mode} p99, ${concurrency} in flight`, s.p99, 'ms', floor.p99, goal('<= 1.5x floor')),
        figure(`${mode} CPU per call, ${concurrency} in flight`, s.cpuMsPerCall, 'ms', floor.cpuMsPerCall),
      );
    }
    const api = summary('api', concurrency);
    const claim = summary('claim', concurrency);
    figures.push(
      figure(`claim p50 / api p50, ${concurrency} in flight`, claim.p50, 'ms', api.p50),
      figure(`claim p99 / api p99, ${concurrency} in flight`, claim.p99, 'ms', api.p99),
    );
  }
  console.log(`Handing a ready pod to a user against the real API server: ${ROUNDS} rounds per mode, rotating order; every pod verified reserved, each for its own user.
floor = bare node:https guarded merge patch (admin certificate); api = podpool reservation API (HTTPS, ServiceAccount token); claim = PodPoolClaim create -> Bound seen on a watch.

| in flight | mode | calls | per second | x floor | p50 ms | x floor | p99 ms | x floor | CPU ms per call (this process) |
| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}`);
  // A run of some modes (MODES=...) is for profiling; only a full run is a result.
  if (MODES.length === ALL_MODES.length) recordResults('reservations', 'npm run bench:reservations -- --json', figures);
} finally {
  await plane.stop();
}
