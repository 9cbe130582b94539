/**
 * One reconcile of one PodPool, level-triggered, as a short list of named steps:
 * observe (reservations, warm-ups) -> decide (engine, spec.replicas) -> plan -> act -> report.
 */
import type { V1ObjectReference, V1Pod } from '@kubernetes/client-node';
import { API_GROUP_VERSION, KIND, RESERVATION_TTL_ANNOTATION, RESERVED_AT_ANNOTATION, STATE_LABEL, TEMPLATE_HASH_LABEL } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';
import type { ClusterCache } from '../kube/cache.js';
import type { EventRecorder } from '../kube/events.js';
import type { Logger } from '../log.js';
import { podsCreatedTotal, podsDeletedTotal, poolAcceleration, poolDesiredReplicas, poolPods, poolVelocity } from '../metrics.js';
import { classifyPods, type PodClasses } from '../pool/classify.js';
import { planPods, type Plan } from '../pool/plan.js';
import { podView, reservedAtMs, type PodView } from '../pool/pod-view.js';
import { newReservations, updatedWarmupSeconds } from '../pool/reservation-events.js';
import { templateHash } from '../pool/template-hash.js';
import { adoptUnstamped } from '../pool/unstamped.js';
import { maxHistoryBuckets, recommendForPool } from '../scaling/pool-recommendation.js';
import type { Recommendation } from '../scaling/recommend.js';
import { decodeHistory, encodeHistory, recordReservations } from '../scaling/reservation-history.js';
import { conditionOf } from './conditions.js';
import type { Expectations } from './expectations.js';
import { podForPool } from './pod-factory.js';
import { statusCode, type PoolWriter } from './pool-writer.js';
import { buildStatus, statusChanged } from './status.js';

export const RESYNC_MS = 15_000;
const MAX_CREATES_PER_RECONCILE = 500;

export interface ReconcileDeps {
  cache: ClusterCache;
  writer: PoolWriter;
  expectations: Expectations;
  events: EventRecorder;
  log: Logger;
  now: () => number;
}

export interface ReconcileResult {
  requeueAfterMs: number;
}

/** Warm-up samples already taken, per pool (in memory: a restart re-samples ready pods once, harmlessly). */
const sampledWarmups = new Map<string, Set<string>>();

function reference(pool: PodPool): V1ObjectReference {
  return { apiVersion: API_GROUP_VERSION, kind: KIND, name: pool.metadata.name, namespace: pool.metadata.namespace, uid: pool.metadata.uid };
}

/** Creates in growing batches (1, 2, 4, ...) like the ReplicaSet controller, stopping at the first failed batch. */
async function createInBatches(count: number, create: () => Promise<void>): Promise<{ created: number; error?: unknown }> {
  let created = 0;
  for (let batch = 1; created < count; batch = Math.min(batch * 2, 64)) {
    const size = Math.min(batch, count - created);
    const results = await Promise.allSettled(Array.from({ length: size }, () => create()));
    created += results.filter((r) => r.status === 'fulfilled').length;
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) return { created, error: failure.reason };
  }
  return { created };
}

export async function reconcilePool(key: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const slash = key.indexOf('/');
  const namespace = key.slice(0, slash);
  const name = key.slice(slash + 1);
  const pool = deps.cache.getPool(namespace, name);
  if (pool === undefined) {
    // Deleted: the garbage collector removes its unreserved pods through their owner references.
    deps.expectations.forget(key);
    sampledWarmups.delete(key);
    return { requeueAfterMs: 0 };
  }
  const log = deps.log.child({ pool: key, generation: pool.metadata.generation });
  const nowMs = deps.now();
  const problems: string[] = [];

  // observe
  const pods = deps.cache.podsOf(namespace, name);
  const byName = new Map<string, V1Pod>(pods.map((p) => [p.metadata?.name ?? '', p]));
  const hash = templateHash(pool.spec.podTemplate);
  const { views, unstamped } = adoptUnstamped(pods.map(podView), hash);
  const classes = classifyPods(views, hash);
  const notices: string[] = [];
  if (unstamped.length > 0) {
    const names = unstamped.map((p) => p.name);
    const message = `${names.length} pool pods were admitted without the podpool admission webhook (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}); the controller repaired their labels. Check the MutatingWebhookConfiguration and the webhook Service`;
    notices.push(`WebhookNotCalled: ${message}`);
    deps.events.record(reference(pool), 'Warning', 'WebhookNotCalled', message);
  }
  const observed = observeReservations(pool, classes, nowMs);
  const warmupSeconds = observeWarmups(key, pool, classes);

  // decide
  const recommendation = recommendForPool(
    { spec: pool.spec, status: { ...pool.status, reservationHistory: encodeHistory(observed.history), observedWarmupSeconds: warmupSeconds } },
    nowMs,
  );
  const { wanted, clampedTo } = wantedWarmPods(pool, recommendation);

  // plan
  const live = new Set(views.filter((v) => v.deletingMs === undefined).map((v) => v.name));
  const going = new Set(views.filter((v) => v.deletingMs !== undefined).map((v) => v.name));
  const inFlight = deps.expectations.observe(key, live, going);
  const plan = planPods(classes, wanted, inFlight, MAX_CREATES_PER_RECONCILE);

  // act
  const acted = await act(pool, plan, classes, observed.unstamped, unstamped, byName, hash, nowMs, deps, log, problems);

  // report
  const lastScaleTime = acted.created > 0 || acted.deletedSurplus > 0 ? new Date(nowMs).toISOString() : pool.status?.lastScaleTime;
  const status = buildStatus({
    pool,
    classes,
    recommendation,
    wanted,
    replicasClampedTo: clampedTo,
    history: observed.history,
    totalReservations: (pool.status?.totalReservations ?? 0) + observed.count,
    lastReservationMs: observed.newestMs,
    observedWarmupSeconds: warmupSeconds,
    lastScaleTime,
    problems: [...problems, ...notices],
    nowIso: new Date(nowMs).toISOString(),
  });
  reportEvents(pool, recommendation, acted, clampedTo ?? recommendation.limitedBy, deps);
  recordMetrics(namespace, name, classes, recommendation);
  if (statusChanged(pool.status, status)) {
    try {
      await deps.writer.writeStatus(pool, status);
    } catch (error) {
      // Deleted since the cache showed it: nothing left to report on.
      if (statusCode(error) !== 404) throw error;
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return { requeueAfterMs: Math.min(RESYNC_MS, acted.nextExpiryMs ?? RESYNC_MS) };
}

function observeReservations(pool: PodPool, classes: PodClasses, nowMs: number) {
  const countedUntil = pool.status?.lastReservationTime === undefined ? undefined : Date.parse(pool.status.lastReservationTime);
  const found = newReservations(classes.reserved, Number.isFinite(countedUntil) ? countedUntil : undefined);
  let history = decodeHistory(pool.status?.reservationHistory, nowMs);
  const maxBuckets = maxHistoryBuckets(pool.spec);
  for (const at of found.times) history = recordReservations(history, Math.min(at, nowMs), 1, maxBuckets);
  // Pods reserved by hand get reserved-at = now when stamped (in act); count them now.
  let newestMs = found.newestMs;
  if (found.unstamped.length > 0) {
    history = recordReservations(history, nowMs, found.unstamped.length, maxBuckets);
    newestMs = Math.max(newestMs ?? 0, nowMs);
  }
  return { history, count: found.times.length + found.unstamped.length, newestMs, unstamped: found.unstamped };
}

function observeWarmups(key: string, pool: PodPool, classes: PodClasses): number | undefined {
  let sampled = sampledWarmups.get(key);
  if (sampled === undefined) sampledWarmups.set(key, (sampled = new Set()));
  const samples: number[] = [];
  const current = new Set<string>();
  for (const pod of classes.ready) {
    current.add(pod.name);
    if (sampled.has(pod.name) || pod.readySinceMs === undefined || pod.createdMs === 0) continue;
    samples.push((pod.readySinceMs - pod.createdMs) / 1000);
  }
  sampledWarmups.set(key, current);
  return updatedWarmupSeconds(pool.status?.observedWarmupSeconds, samples);
}

function wantedWarmPods(pool: PodPool, recommendation: Recommendation): { wanted: number; clampedTo?: 'minPoolSize' | 'maxPoolSize' } {
  const replicas = pool.spec.replicas;
  if (replicas === undefined) return { wanted: recommendation.desiredReplicas };
  if (replicas > pool.spec.maxPoolSize) return { wanted: pool.spec.maxPoolSize, clampedTo: 'maxPoolSize' };
  if (replicas < pool.spec.minPoolSize) return { wanted: pool.spec.minPoolSize, clampedTo: 'minPoolSize' };
  return { wanted: replicas };
}

interface Acted {
  created: number;
  deletedSurplus: number;
  deleted: number;
  nextExpiryMs?: number | undefined;
}

async function act(
  pool: PodPool,
  plan: Plan,
  classes: PodClasses,
  unstamped: readonly PodView[],
  admittedWithoutWebhook: readonly PodView[],
  byName: Map<string, V1Pod>,
  hash: string,
  nowMs: number,
  deps: ReconcileDeps,
  log: Logger,
  problems: string[],
): Promise<Acted> {
  const namespace = pool.metadata.namespace ?? '';
  const name = pool.metadata.name ?? '';
  const key = `${namespace}/${name}`;
  const acted: Acted = { created: 0, deletedSurplus: 0, deleted: 0 };

  // Reserved pods leave the pool's ownership (so deleting the pool or scaling it never removes
  // them) and get a reserved-at time when they were reserved by hand.
  let nextExpiryMs: number | undefined;
  const expired: PodView[] = [];
  for (const pod of classes.reserved) {
    const raw = byName.get(pod.name);
    const owned = raw?.metadata?.ownerReferences?.some((ref) => ref.uid === pool.metadata.uid) ?? false;
    const needsStamp = unstamped.includes(pod);
    if (owned || needsStamp) {
      const metadata: Record<string, unknown> = {};
      if (owned) metadata.ownerReferences = null;
      if (needsStamp) metadata.annotations = { [RESERVED_AT_ANNOTATION]: new Date(nowMs).toISOString() };
      await deps.writer.patchPodMetadata(namespace, pod.name, raw?.metadata?.resourceVersion, metadata);
    }
    const ttl = Number(pod.annotations[RESERVATION_TTL_ANNOTATION]);
    const reservedAt = reservedAtMs(pod);
    if (Number.isFinite(ttl) && ttl > 0 && reservedAt !== undefined) {
      const expiresMs = reservedAt + ttl * 1000;
      if (expiresMs <= nowMs) expired.push(pod);
      else nextExpiryMs = Math.min(nextExpiryMs ?? Infinity, expiresMs - nowMs);
    }
  }
  acted.nextExpiryMs = nextExpiryMs;

  const deletions = [...plan.delete.map((d) => ({ pod: d.pod, reason: d.reason as string })), ...expired.map((pod) => ({ pod, reason: 'expired' }))];
  await Promise.all(
    deletions.map(async ({ pod, reason }) => {
      const raw = byName.get(pod.name);
      try {
        const outcome = await deps.writer.deletePod(namespace, pod.name, raw?.metadata?.uid, raw?.metadata?.resourceVersion);
        if (outcome === 'deleted') {
          deps.expectations.expectDelete(key, pod.name);
          podsDeletedTotal.inc({ namespace, pool: name, reason });
          acted.deleted += 1;
          if (reason === 'surplus') acted.deletedSurplus += 1;
        }
      } catch (error) {
        problems.push(`PodDeleteFailed: ${pod.name}: ${(error as Error).message}`);
      }
    }),
  );

  // One metadata patch per pod: a state change, the repair of a pod the webhook never saw (its
  // template hash, and the pool as controller owner when it has none, as a ReplicaSet adopts
  // orphans), or both.
  const patches = new Map<string, { labels: Record<string, string>; ownerReferences?: unknown[] }>();
  for (const pod of admittedWithoutWebhook) {
    const orphan = !(byName.get(pod.name)?.metadata?.ownerReferences ?? []).some((ref) => ref.controller === true);
    const patch: { labels: Record<string, string>; ownerReferences?: unknown[] } = { labels: { [TEMPLATE_HASH_LABEL]: hash } };
    if (orphan) patch.ownerReferences = podForPool(pool, hash).metadata?.ownerReferences ?? [];
    patches.set(pod.name, patch);
  }
  for (const { pod, state } of plan.relabel) {
    const patch = patches.get(pod.name) ?? { labels: {} };
    patch.labels[STATE_LABEL] = state;
    patches.set(pod.name, patch);
  }
  const deletedNames = new Set(deletions.map((d) => d.pod.name));
  await Promise.all(
    [...patches].filter(([podName]) => !deletedNames.has(podName)).map(async ([podName, metadata]) => {
      const raw = byName.get(podName);
      try {
        await deps.writer.patchPodMetadata(namespace, podName, raw?.metadata?.resourceVersion, metadata);
      } catch (error) {
        log.warn({ pod: podName, err: (error as Error).message }, 'could not relabel a pod');
      }
    }),
  );

  if (plan.create > 0) {
    const template = podForPool(pool, hash);
    const result = await createInBatches(plan.create, async () => {
      const created = await deps.writer.createPod(namespace, template);
      deps.expectations.expectCreate(key, created);
      podsCreatedTotal.inc({ namespace, pool: name });
    });
    acted.created = result.created;
    if (result.error !== undefined) {
      const message = (result.error as { body?: unknown }).body ?? (result.error as Error).message;
      problems.push(`PodCreateFailed: ${typeof message === 'string' ? message : JSON.stringify(message)}`);
    }
  }
  return acted;
}

function reportEvents(pool: PodPool, r: Recommendation, acted: Acted, limitedBy: string | undefined, deps: ReconcileDeps): void {
  const ref = reference(pool);
  if (acted.created > 0) deps.events.record(ref, 'Normal', 'ScaledUp', `created ${acted.created} pods: ${r.reason}`);
  if (acted.deletedSurplus > 0) deps.events.record(ref, 'Normal', 'ScaledDown', `deleted ${acted.deletedSurplus} surplus pods: ${r.reason}`);
  const wasSpike = conditionOf(pool.status?.conditions, 'ScalingActive')?.reason === 'SpikeMode';
  if (pool.spec.replicas === undefined && r.mode === 'spike' && !wasSpike) deps.events.record(ref, 'Normal', 'SpikeModeEntered', r.reason);
  if (pool.spec.replicas === undefined && r.mode !== 'spike' && wasSpike) deps.events.record(ref, 'Normal', 'SpikeModeLeft', r.reason);
  const wasLimited = conditionOf(pool.status?.conditions, 'ScalingLimited')?.status === 'True';
  if (limitedBy !== undefined && !wasLimited) deps.events.record(ref, 'Warning', 'ScalingLimited', `clamped to ${limitedBy}`);
}

function recordMetrics(namespace: string, pool: string, classes: PodClasses, r: Recommendation): void {
  poolDesiredReplicas.set({ namespace, pool }, r.desiredReplicas);
  poolVelocity.set({ namespace, pool }, r.velocity);
  poolAcceleration.set({ namespace, pool }, r.acceleration);
  poolPods.set({ namespace, pool, state: 'ready' }, classes.ready.length);
  poolPods.set({ namespace, pool, state: 'warming' }, classes.warming.length);
  poolPods.set({ namespace, pool, state: 'reserved' }, classes.reserved.length);
}
