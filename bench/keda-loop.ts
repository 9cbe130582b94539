/**
 * The KEDA loop's latency, from a change of the engine's answer to the new pods Ready, broken down
 * by stage: the engine noticing (the scaler answers the new count), KEDA's poll (activation from 0),
 * the HPA's sync (spec.replicas written through /scale), podpool's controller (the last pod
 * created) and kwok (the last pod Ready). Three settings: KEDA's and the HPA's defaults, the
 * settings the README recommends, and the short settings of the e2e suite. Beside each trial, on
 * the same API server and kwok, the floor: a bare client creating the same pods and waiting for
 * them to turn Ready; the ratio is loop / floor.
 *
 * The change is a spec edit (targetReadyPods 2 -> 8 on an active pool, 0 -> 8 on a pool KEDA parked
 * at 0), so the loop is measured apart from the engine's estimate of demand (bench:quality
 * measures that). Trials of one setting run side by side in their own namespaces, each started at
 * a different phase of the poll and sync timers.
 *
 * Run: npm run bench:loop     (TRIALS=3, PROFILES=defaults,recommended,tests)
 */
import {
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, PLURAL } from '../src/api/labels.js';
import type { PodPool } from '../src/api/schema.js';
import type { RunningOperator } from '../src/operator.js';
import { startBenchOperator } from './operator.js';
import { freePort, installCrds, startControlPlane } from '../dev/cluster/control-plane.js';
import { startKeda } from '../dev/cluster/keda.js';
import { recommendedHpaBehavior, scaledObjectManifest, UNLIMITED_HPA_BEHAVIOR, type HpaBehavior } from '../dev/cluster/scaled-object.js';

const TRIALS = Number(process.env.TRIALS ?? 3);
const TARGET = 8;
const MAX = 20;
const KUBERNETES_DEFAULT_HPA_SYNC_SECONDS = 15;
const KEDA_DEFAULT_POLLING_SECONDS = 30;
const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
const KEDA = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' };

interface Profile {
  name: string;
  hpaSyncSeconds: number;
  pollingInterval?: number;
  behavior?: HpaBehavior;
  describe: string;
}

const PROFILES: Profile[] = [
  {
    name: 'defaults',
    hpaSyncSeconds: KUBERNETES_DEFAULT_HPA_SYNC_SECONDS,
    describe: 'KEDA pollingInterval 30 s, HPA sync 15 s, HPA default behavior',
  },
  {
    name: 'recommended',
    hpaSyncSeconds: KUBERNETES_DEFAULT_HPA_SYNC_SECONDS,
    pollingInterval: 15,
    behavior: recommendedHpaBehavior(MAX),
    describe: 'pollingInterval 15 s, HPA sync 15 s, scaleUp one step (Pods = maxReplicaCount per 15 s)',
  },
  {
    name: 'tests',
    hpaSyncSeconds: 5,
    pollingInterval: 1,
    behavior: UNLIMITED_HPA_BEHAVIOR,
    describe: 'pollingInterval 1 s, HPA sync 5 s, no HPA rate limit (the e2e settings)',
  },
];

interface Scenario {
  name: string;
  trigger: 'external' | 'external-push';
  /** Warm pods before the change (and the ScaledObject's minReplicaCount: 1, or 0 to park it). */
  from: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'scale-up 2 -> 8', trigger: 'external', from: 2 },
  { name: 'activation 0 -> 8', trigger: 'external', from: 0 },
  { name: 'activation 0 -> 8, external-push', trigger: 'external-push', from: 0 },
];

interface Stages {
  engine: number;
  /** KEDA's activation write (0 -> minReplicaCount or 1); undefined when the pool was active. */
  keda: number | undefined;
  hpa: number;
  /** How many spec.replicas writes it took to reach the target. */
  writes: number;
  writers: string;
  controller: number;
  kwok: number;
  total: number;
  floor: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Watches one namespace's pods and PodPool, stamping each change with the time it was seen. */
class NamespaceTimeline {
  readonly added = new Map<string, number>();
  readonly ready = new Map<string, number>();
  readonly live = new Set<string>();
  readonly replicaWrites: { at: number; replicas: number; by: string }[] = [];
  private lastReplicas: number | undefined;
  private managerTimes = new Map<string, string>();
  private readonly aborts: AbortController[] = [];
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    await Promise.all([
      this.watchForever(`/api/v1/namespaces/${this.namespace}/pods`, (phase, pod: V1Pod) => this.onPod(phase, pod)),
      this.watchForever(`/apis/${API_GROUP}/${API_VERSION}/namespaces/${this.namespace}/${PLURAL}`, (_phase, pool: PodPool) =>
        this.onPool(pool),
      ),
    ]);
  }

  /** A watch that starts again when it ends (client-node ends a watch after 30 s without events). */
  private async watchForever<T>(path: string, handler: (phase: string, object: T) => void): Promise<void> {
    const again = (error: unknown): void => {
      if (this.stopped) return;
      if (error !== null && error !== undefined && !String(error).includes('Timeout'))
        console.error(`watch ${path} ended: ${String(error)}`);
      void this.watchForever(path, handler);
    };
    this.aborts.push(await new Watch(this.kc).watch(path, {}, handler, again));
  }

  stop(): void {
    this.stopped = true;
    for (const abort of this.aborts) abort.abort();
  }

  readyCount(): number {
    return [...this.live].filter((name) => this.ready.has(name)).length;
  }

  private onPod(phase: string, pod: V1Pod): void {
    const name = pod.metadata?.name ?? '';
    const now = Date.now();
    if (phase === 'DELETED' || pod.metadata?.deletionTimestamp !== undefined) {
      this.live.delete(name);
      return;
    }
    this.live.add(name);
    if (!this.added.has(name)) this.added.set(name, now);
    if (isReady(pod) && !this.ready.has(name)) this.ready.set(name, now);
  }

  private onPool(pool: PodPool): void {
    // Who wrote: the managers whose managedFields entry changed time with this event.
    const changed: string[] = [];
    for (const entry of pool.metadata?.managedFields ?? []) {
      const key = `${entry.manager ?? '?'}/${entry.subresource ?? ''}`;
      if (this.managerTimes.get(key) !== String(entry.time)) changed.push(entry.manager ?? '?');
      this.managerTimes.set(key, String(entry.time));
    }
    const replicas = pool.spec.replicas;
    if (replicas !== undefined && replicas !== this.lastReplicas) {
      // managedFields keeps an entry's time when its field set is unchanged: the same writer again.
      const by = changed.join('+') || this.replicaWrites.at(-1)?.by || '?';
      if (this.lastReplicas !== undefined) this.replicaWrites.push({ at: Date.now(), replicas, by });
      this.lastReplicas = replicas;
    }
  }
}

class LoopBench {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly autoscaling: AutoscalingV2Api;

  constructor(
    private readonly kc: KubeConfig,
    private readonly ports: { scalerPort: number; metricsPort: number },
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.autoscaling = kc.makeApiClient(AutoscalingV2Api);
  }

  private async desiredFromScaler(namespace: string): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${this.ports.metricsPort}/scaler/v1/namespaces/${namespace}/podpools/pool`);
    return ((await response.json()) as { desiredReplicas: number }).desiredReplicas;
  }

  private async pool(namespace: string): Promise<PodPool> {
    return (await this.custom.getNamespacedCustomObject({ ...ref, namespace, name: 'pool' })) as PodPool;
  }

  // API calls, not kubectl: a spawned kubectl would block the event loop the timelines stamp events on.
  private async condition(namespace: string, type: string): Promise<string | undefined> {
    const scaledObject = (await this.custom.getNamespacedCustomObject({ ...KEDA, namespace, name: 'loop' })) as {
      status?: { conditions?: { type: string; status: string }[] };
    };
    return scaledObject.status?.conditions?.find((c) => c.type === type)?.status;
  }

  private async hpaHasSynced(namespace: string): Promise<boolean> {
    const hpa = await this.autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace, name: 'keda-hpa-loop' }).catch(() => undefined);
    return (hpa?.status?.currentMetrics?.length ?? 0) > 0;
  }

  private async createNamespace(name: string): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name } } });
  }

  private deleteNamespace(name: string): void {
    void this.core.deleteNamespace({ name }).catch((error: unknown) => console.error(`deleting namespace ${name}: ${String(error)}`));
  }

  /** One trial: a pool at `from` warm pods driven by KEDA, then targetReadyPods set to TARGET. */
  async trial(profile: Profile, scenario: Scenario, index: number, phaseFraction: number): Promise<Stages> {
    const namespace = `${profile.name}-${scenario.from}-${scenario.trigger}-${index}`;
    await this.createNamespace(namespace);
    await this.custom.createNamespacedCustomObject({
      ...ref,
      namespace,
      body: {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: 'PodPool',
        metadata: { name: 'pool' },
        spec: {
          replicas: scenario.from,
          minPoolSize: 0,
          maxPoolSize: MAX,
          targetReadyPods: scenario.from,
          warmupSeconds: 5,
          podTemplate: { spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        },
      },
    });
    const scalerAddress = `127.0.0.1:${this.ports.scalerPort}`;
    await this.custom.createNamespacedCustomObject({
      ...KEDA,
      namespace,
      body: JSON.parse(
        scaledObjectManifest(namespace, 'loop', 'pool', {
          trigger: { type: scenario.trigger, scalerAddress },
          minReplicaCount: scenario.from === 0 ? 0 : 1,
          maxReplicaCount: MAX,
          ...(profile.pollingInterval !== undefined ? { pollingInterval: profile.pollingInterval } : {}),
          ...(profile.behavior !== undefined ? { behavior: profile.behavior } : {}),
        }),
      ) as object,
    });
    const timeline = new NamespaceTimeline(this.kc, namespace);
    await timeline.start();
    // The steady state before the change: the pods there, KEDA's verdict made, the HPA synced once.
    await until(
      `${namespace}: the steady state before the change`,
      async () => {
        if (timeline.readyCount() !== scenario.from) return false;
        if (scenario.from === 0)
          return (await this.condition(namespace, 'Active')) === 'False' && (await this.pool(namespace)).spec.replicas === 0;
        return this.hpaHasSynced(namespace);
      },
      180_000,
      500,
    );
    // Start each trial at its own phase of the timers, so the trials sample the wait, not its worst case.
    const period = Math.max(profile.pollingInterval ?? KEDA_DEFAULT_POLLING_SECONDS, profile.hpaSyncSeconds) * 1000;
    await sleep(phaseFraction * period);

    const baseline = new Set(timeline.live);
    const t0 = Date.now();
    await this.custom.patchNamespacedCustomObject(
      { ...ref, namespace, name: 'pool', body: { spec: { targetReadyPods: TARGET } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await until(`${namespace}: the scaler to answer ${TARGET}`, async () => (await this.desiredFromScaler(namespace)) === TARGET, 30_000);
    const engineAt = Date.now();
    await until(`${namespace}: ${TARGET} Ready pods`, () => timeline.readyCount() >= TARGET, 240_000).catch(async (error: unknown) => {
      const hpa = await this.autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace, name: 'keda-hpa-loop' }).catch(() => undefined);
      throw new Error(
        `${String(error)}; ${timeline.readyCount()} Ready; spec.replicas writes ${JSON.stringify(timeline.replicaWrites)}; ` +
          `HPA status ${JSON.stringify(hpa?.status)}; ScaledObject Active ${await this.condition(namespace, 'Active')}`,
        { cause: error },
      );
    });
    const doneAt = Date.now();
    timeline.stop();

    const writes = timeline.replicaWrites.filter((write) => write.at >= t0);
    const finalWrite = writes.find((write) => write.replicas >= TARGET);
    if (finalWrite === undefined) throw new Error(`${namespace}: reached ${TARGET} Ready pods without a spec.replicas write of ${TARGET}`);
    const activation = scenario.from === 0 ? writes[0] : undefined;
    const newPods = [...timeline.live].filter((name) => !baseline.has(name));
    const lastCreated = Math.max(...newPods.map((name) => timeline.added.get(name) ?? doneAt));
    this.deleteNamespace(namespace);
    return {
      engine: engineAt - t0,
      keda: activation === undefined ? undefined : activation.at - engineAt,
      hpa: finalWrite.at - (activation?.at ?? engineAt),
      writes: writes.length,
      writers: [...new Set(writes.map((write) => write.by))].join(', '),
      controller: lastCreated - finalWrite.at,
      kwok: doneAt - lastCreated,
      total: doneAt - t0,
      floor: await this.floor(`${namespace}-floor`, TARGET - scenario.from),
    };
  }

  /** The floor: a bare client creates `count` pods at once and waits for all of them Ready. */
  async floor(namespace: string, count: number): Promise<number> {
    await this.createNamespace(namespace);
    const timeline = new NamespaceTimeline(this.kc, namespace);
    await timeline.start();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        this.core.createNamespacedPod({
          namespace,
          body: { metadata: { name: `bare-${i}` }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        }),
      ),
    );
    await until(`${namespace}: ${count} bare pods Ready`, () => timeline.readyCount() >= count, 120_000);
    const elapsed = Date.now() - started;
    timeline.stop();
    this.deleteNamespace(namespace);
    return elapsed;
  }
}

const seconds = (ms: number | undefined): string => (ms === undefined ? '-' : (ms / 1000).toFixed(1));
function spread(values: (number | undefined)[]): string {
  const defined = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (defined.length === 0) return '-';
  const median = defined[Math.floor(defined.length / 2)];
  return defined.length === 1 ? seconds(median) : `${seconds(median)} (${seconds(defined[0])}-${seconds(defined.at(-1))})`;
}

async function runOnPlane(
  hpaSyncSeconds: number,
  profiles: Profile[],
): Promise<{ profile: Profile; scenario: Scenario; trials: Stages[] }[]> {
  const plane = await startControlPlane({ nodes: 4, hpaSyncPeriodSeconds: hpaSyncSeconds, log: () => undefined });
  let operator: RunningOperator | undefined;
  const keda = await startKeda(plane, { log: () => undefined }).catch(async (error: unknown) => {
    await plane.stop();
    throw error;
  });
  try {
    installCrds(plane);
    plane.kubectl(['create', 'namespace', 'podpool-system']);
    const ports = { scalerPort: await freePort(), metricsPort: await freePort() };
    operator = await startBenchOperator(plane, ports);
    const bench = new LoopBench(operator.kubeConfig, ports);
    const runs = profiles.flatMap((profile) => SCENARIOS.map((scenario) => ({ profile, scenario })));
    return await Promise.all(
      runs.map(async ({ profile, scenario }) => {
        const trials = await Promise.all(Array.from({ length: TRIALS }, (_, i) => bench.trial(profile, scenario, i, (i + 0.5) / TRIALS)));
        console.error(`${profile.name} / ${scenario.name}: ${trials.map((t) => seconds(t.total)).join(', ')} s`);
        return { profile, scenario, trials };
      }),
    );
  } finally {
    await operator?.stop();
    await keda.stop();
    await plane.stop();
  }
}

const wanted = (process.env.PROFILES ?? PROFILES.map((p) => p.name).join(',')).split(',');
const selected = PROFILES.filter((profile) => wanted.includes(profile.name));
const results = [];
for (const sync of [...new Set(selected.map((profile) => profile.hpaSyncSeconds))]) {
  results.push(
    ...(await runOnPlane(
      sync,
      selected.filter((profile) => profile.hpaSyncSeconds === sync),
    )),
  );
}

console.log(`Loop latency in seconds, median (min-max) of ${TRIALS} trials; each trial changes the engine's answer to ${TARGET} pods.\n`);
for (const profile of selected) console.log(`- **${profile.name}**: ${profile.describe}`);
console.log(`
| settings | change | engine | KEDA activation | HPA sync | writes | controller | kwok | total | floor | loop / floor |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const { profile, scenario, trials } of results) {
  const ratios = trials.map((t) => t.total / t.floor);
  console.log(
    `| ${profile.name} | ${scenario.name} | ${spread(trials.map((t) => t.engine))} | ${spread(trials.map((t) => t.keda))} | ${spread(trials.map((t) => t.hpa))} | ` +
      `${[...new Set(trials.map((t) => t.writes))].join('/')} | ${spread(trials.map((t) => t.controller))} | ${spread(trials.map((t) => t.kwok))} | ` +
      `**${spread(trials.map((t) => t.total))}** | ${spread(trials.map((t) => t.floor))} | ${ratios.sort((a, b) => a - b)[Math.floor(ratios.length / 2)]?.toFixed(1)}x |`,
  );
}
console.log(
  `\nWriters of spec.replicas (managedFields): ${[...new Set(results.flatMap((r) => r.trials.map((t) => t.writers)))].join('; ')}`,
);
