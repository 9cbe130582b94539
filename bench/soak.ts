/**
 * Soak: two operator replicas on the local control plane under a steady reservation load, with a
 * SIGKILL of the leader every few minutes, one API server restart and pool edits, for a bounded
 * time (loopback only). It prints what was served and how failovers went, and fails unless: no pod
 * was handed out twice, no reservation was lost (every 201 is released by its holder or still
 * reserved at the end), no reserved pod was deleted by anyone but its release, and every pool
 * converged.
 *
 * Run: npm run bench:soak        (SOAK_SECONDS=600 RATE=4 KILL_EVERY=180)
 */
import { randomInt } from 'node:crypto';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1Pod,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL, STATE_LABEL } from '../src/api/labels.js';
import type { PodPool } from '../src/api/schema.js';
import { installCrds, startControlPlane } from '../dev/cluster/control-plane.js';
import { startOperatorProcess, type OperatorProcess } from '../dev/cluster/operator-process.js';
import { scrape, sumOf } from '../dev/probes/metrics.js';
import { callReservations, type ReservationsAnswer } from '../dev/probes/reservations-api.js';
import { percentile } from './support.js';

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.RATE ?? 4);
const KILL_EVERY_SECONDS = Number(process.env.KILL_EVERY ?? 180);
const EDIT_EVERY_SECONDS = 60;
const POOLS = { steady: 20, edited: 10 };
const NAMESPACE = 'soak';
const LEASE_NAMESPACE = 'podpool-system';
const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

interface Held {
  pool: string;
  pod: string;
  at: number;
  releaseAt: number;
}

const plane = await startControlPlane({ nodes: 4, log: () => undefined });
const replicas: (OperatorProcess | undefined)[] = [undefined, undefined];
const violations: string[] = [];
try {
  installCrds(plane);
  plane.kubectl(['create', 'namespace', NAMESPACE]);
  plane.kubectl(['create', 'namespace', LEASE_NAMESPACE]);
  plane.kubectl(['create', 'role', 'reserver', '-n', NAMESPACE, '--verb=create,delete', '--resource=podpools.podpool.dev/reservations']);
  plane.kubectl(['create', 'serviceaccount', 'frontend', '-n', NAMESPACE]);
  plane.kubectl(['create', 'rolebinding', 'reserver', '-n', NAMESPACE, '--role=reserver', `--serviceaccount=${NAMESPACE}:frontend`]);
  const kc = new KubeConfig();
  kc.loadFromFile(plane.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const leases = kc.makeApiClient(CoordinationV1Api);
  const token =
    (
      await core.createNamespacedServiceAccountToken({
        namespace: NAMESPACE,
        name: 'frontend',
        body: { spec: { audiences: [], expirationSeconds: 7200 } },
      })
    ).status?.token ?? '';

  let generation = 0;
  const start = async (slot: number): Promise<OperatorProcess> => {
    generation += 1;
    const replica = await startOperatorProcess({
      kubeconfigPath: plane.kubeconfigPath,
      leaseNamespace: LEASE_NAMESPACE,
      identity: `soak-${slot}-${generation}`,
    });
    replicas[slot] = replica;
    return replica;
  };
  await Promise.all([start(0), start(1)]);
  const secret = (await core.readNamespacedSecret({ name: 'podpool-tls', namespace: LEASE_NAMESPACE })).data ?? {};
  const ca = Buffer.from(secret['ca-bundle.crt'] ?? secret['ca.crt'] ?? '', 'base64').toString();

  const template = (revision: number): object => ({
    metadata: { labels: { revision: String(revision) } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  for (const [name, replicasWanted] of Object.entries(POOLS)) {
    await custom.createNamespacedCustomObject({
      ...ref,
      namespace: NAMESPACE,
      body: {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: 'PodPool',
        metadata: { name },
        spec: { replicas: replicasWanted, maxPoolSize: 100, warmupSeconds: 5, scaleDownStabilizationSeconds: 0, podTemplate: template(0) },
      },
    });
  }
  const warmReady = async (pool: string): Promise<number> =>
    (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${POOL_LABEL}=${pool},${STATE_LABEL}=ready` })).items.filter(
      (p) => p.metadata?.deletionTimestamp === undefined && isReady(p),
    ).length;
  for (const [pool, count] of Object.entries(POOLS)) {
    const deadline = Date.now() + 120_000;
    while ((await warmReady(pool)) < count) {
      if (Date.now() > deadline) throw new Error(`pool ${pool} never filled`);
      await sleep(500);
    }
  }

  // Every pod deletion, with the labels the pod had: a reserved pod may only go after its release.
  const released = new Set<string>();
  const deletedReserved: string[] = [];
  const abortWatch = await new Watch(kc).watch(
    `/api/v1/namespaces/${NAMESPACE}/pods`,
    {},
    (phase, pod: V1Pod) => {
      const name = pod.metadata?.name ?? '';
      if (
        (phase === 'DELETED' || pod.metadata?.deletionTimestamp !== undefined) &&
        pod.metadata?.labels?.[STATE_LABEL] === 'reserved' &&
        !released.has(name)
      ) {
        deletedReserved.push(name);
      }
    },
    () => undefined,
  );

  const live = (): OperatorProcess[] =>
    replicas.filter((r): r is OperatorProcess => r !== undefined && r.child.exitCode === null && r.child.signalCode === null);
  const call = async (method: string, path: string, body?: unknown): Promise<ReservationsAnswer> => {
    // A client retries on the other replica when one is down, as it would behind a Service.
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const candidates = live();
      const replica = candidates[randomInt(Math.max(1, candidates.length))];
      if (replica !== undefined) {
        try {
          return await callReservations({ port: replica.reservationsPort, ca }, method, path, token, body);
        } catch {
          // Connection refused or reset: a replica going away (the request may still have landed).
          if (method === 'POST') droppedReserveCalls += 1;
        }
      }
      await sleep(500);
    }
    return { status: 0, body: {} };
  };

  let droppedReserveCalls = 0;
  const handedOut = new Map<string, string>();
  const held: Held[] = [];
  const counts = { served: 0, refused: 0, unavailable: 0, released: 0, releaseFailed: 0, releaseRetried: 0, other: 0 };
  const latencies: number[] = [];
  const failovers: { at: number; killed: string; tookMs: number }[] = [];
  let conflicts = 0;
  const harvestConflicts = async (replica: OperatorProcess): Promise<void> => {
    conflicts += sumOf(await scrape(replica.metricsPort).catch(() => ''), 'podpool_reservation_conflicts_total');
  };

  const startedAt = Date.now();
  const endsAt = startedAt + SOAK_SECONDS * 1000;
  let running = true;
  const pending: Promise<void>[] = [];

  const reserveOne = async (): Promise<void> => {
    const pool = Math.random() < 0.6 ? 'steady' : 'edited';
    const t = performance.now();
    const answer = await call('POST', `/api/v1/namespaces/${NAMESPACE}/podpools/${pool}/reservations`, {
      user: `u-${randomInt(1_000_000)}`,
    });
    latencies.push(performance.now() - t);
    if (answer.status === 201) {
      const pod = String(answer.body.pod);
      const previous = handedOut.get(pod);
      if (previous !== undefined) violations.push(`pod ${pod} handed out to ${String(answer.body.user)} while ${previous} held it`);
      handedOut.set(pod, String(answer.body.user));
      counts.served += 1;
      held.push({ pool, pod, at: Date.now(), releaseAt: Date.now() + 2_000 + randomInt(8_000) });
    } else if (answer.status === 503) counts.refused += 1;
    else if (answer.status === 0) counts.unavailable += 1;
    else counts.other += 1;
  };
  const releaseOne = async (reservation: Held): Promise<void> => {
    released.add(reservation.pod);
    const path = `/api/v1/namespaces/${NAMESPACE}/podpools/${reservation.pool}/reservations/${reservation.pod}`;
    // A client retries a 503 (the API server away, a replica going down), as the answer asks.
    let answer = await call('DELETE', path);
    for (let retry = 0; answer.status === 503 && retry < 30; retry += 1) {
      counts.releaseRetried += 1;
      await sleep(1000);
      answer = await call('DELETE', path);
    }
    if (answer.status === 200) {
      counts.released += 1;
      // Pod names come from generateName: a later pod may carry this name again.
      handedOut.delete(reservation.pod);
    } else {
      counts.releaseFailed += 1;
      violations.push(`release of ${reservation.pod} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };

  const load = (async () => {
    while (running && Date.now() < endsAt) {
      pending.push(reserveOne());
      const now = Date.now();
      for (let i = held.length - 1; i >= 0; i -= 1) {
        const reservation = held[i] as Held;
        if (reservation.releaseAt <= now) {
          held.splice(i, 1);
          pending.push(releaseOne(reservation));
        }
      }
      await sleep(1000 / RATE);
    }
  })();

  const chaos = (async () => {
    let nextKill = startedAt + KILL_EVERY_SECONDS * 1000;
    let nextEdit = startedAt + EDIT_EVERY_SECONDS * 1000;
    let restarted = false;
    let revision = 0;
    while (Date.now() < endsAt - 30_000) {
      const now = Date.now();
      if (now >= nextKill) {
        nextKill += KILL_EVERY_SECONDS * 1000;
        const holder = (await leases.readNamespacedLease({ name: 'podpool-controller', namespace: LEASE_NAMESPACE })).spec?.holderIdentity;
        const slot = replicas.findIndex((r) => r?.identity === holder);
        const leader = replicas[slot];
        if (leader !== undefined) {
          await harvestConflicts(leader);
          const killedAt = Date.now();
          await leader.kill();
          // The standby takes over: its lease, then a leader again in its metrics.
          let took = Number.NaN;
          for (let waited = 0; waited < 60_000; waited += 200) {
            const now2 = (
              await leases.readNamespacedLease({ name: 'podpool-controller', namespace: LEASE_NAMESPACE }).catch(() => undefined)
            )?.spec?.holderIdentity;
            if (now2 !== undefined && now2 !== holder) {
              took = Date.now() - killedAt;
              break;
            }
            await sleep(200);
          }
          failovers.push({ at: Math.round((killedAt - startedAt) / 1000), killed: holder ?? '?', tookMs: took });
          await start(slot);
        }
      } else if (!restarted && now >= startedAt + (SOAK_SECONDS * 1000) / 2) {
        restarted = true;
        await plane.restartApiServer();
      } else if (now >= nextEdit) {
        nextEdit += EDIT_EVERY_SECONDS * 1000;
        revision += 1;
        // Alternately resize the edited pool and roll its template.
        const body =
          revision % 2 === 1
            ? { spec: { replicas: POOLS.edited + 5 } }
            : { spec: { replicas: POOLS.edited, podTemplate: template(revision) } };
        await custom
          .patchNamespacedCustomObject(
            { ...ref, namespace: NAMESPACE, name: 'edited', body },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          )
          .catch((error: unknown) => console.error(`edit failed: ${String(error)}`));
      }
      await sleep(500);
    }
  })();

  await Promise.all([load, chaos]);
  running = false;
  await Promise.all(pending);
  // Release what is still held, then every pool must converge to its spec.
  await Promise.all(held.splice(0).map(releaseOne));
  const convergeDeadline = Date.now() + 120_000;
  for (;;) {
    const pools = await Promise.all(
      Object.keys(POOLS).map(async (name) => (await custom.getNamespacedCustomObject({ ...ref, namespace: NAMESPACE, name })) as PodPool),
    );
    const ready = await Promise.all(pools.map((pool) => warmReady(pool.metadata.name ?? '')));
    const converged = pools.every(
      (pool, i) => pool.status?.observedGeneration === pool.metadata.generation && ready[i] === pool.spec.replicas,
    );
    if (converged) break;
    if (Date.now() > convergeDeadline) {
      violations.push(`pools did not converge: ${pools.map((p, i) => `${p.metadata.name} ${ready[i]}/${p.spec.replicas}`).join(', ')}`);
      break;
    }
    await sleep(1000);
  }
  abortWatch.abort();
  for (const replica of live()) await harvestConflicts(replica);
  for (const name of deletedReserved) violations.push(`reserved pod ${name} deleted before its release`);
  const stillReserved = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${STATE_LABEL}=reserved` })).items.filter(
    (p) => p.metadata?.deletionTimestamp === undefined,
  );
  // A reservation whose answer was lost with its connection stays reserved (its caller never
  // learned the pod); more of them than lost answers would be a reservation lost by podpool.
  if (stillReserved.length > droppedReserveCalls)
    violations.push(`${stillReserved.length} pods still reserved after every release, only ${droppedReserveCalls} answers lost`);

  latencies.sort((a, b) => a - b);
  console.log(`| measurement | value |
| --- | --- |
| duration | ${SOAK_SECONDS} s at ${RATE} reservations/s, two replicas |
| reservations served (201) | ${counts.served} |
| refused, no ready pod (503) | ${counts.refused} |
| no replica answered (both down or restarting) | ${counts.unavailable} |
| reservation calls cut off with their connection / pods reserved without an answer | ${droppedReserveCalls} / ${stillReserved.length} |
| other answers | ${counts.other} |
| released (200) / release failed / 503s retried | ${counts.released} / ${counts.releaseFailed} / ${counts.releaseRetried} |
| reservation latency p50 / p99 | ${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 99).toFixed(0)} ms |
| reservation conflicts (lost races, summed over replicas) | ${conflicts} |
| leader failovers (SIGKILL -> Lease taken over) | ${failovers.map((f) => `${(f.tookMs / 1000).toFixed(1)} s at ${f.at} s`).join(', ') || 'none'} |
| API server restarts | 1 |
| violations | ${violations.length} |`);
} finally {
  await Promise.all(replicas.map((replica) => replica?.stop()));
  await plane.stop();
}
if (violations.length > 0) {
  console.error(violations.join('\n'));
  process.exitCode = 1;
}
