/**
 * One reconcile of one PodPool, level-triggered, as a short list of named steps:
 * observe (reservations, warm-ups) -> decide (engine, spec.replicas) -> plan -> act -> report.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { PodPool } from '../api/schema.js';
import { apiStatus } from '../kube/api-status.js';
import type { ClusterCache } from '../kube/cache.js';
import type { EventRecorder } from '../kube/events.js';
import type { Logger } from '../log.js';
import { classifyPods } from '../pool/classify.js';
import { planPods } from '../pool/plan.js';
import { podView } from '../pool/pod-view.js';
import { templateHash } from '../pool/template-hash.js';
import { adoptUnstamped } from '../pool/unstamped.js';
import { recommendForPool } from '../scaling/pool-recommendation.js';
import type { Recommendation } from '../scaling/recommend.js';
import { encodeHistory } from '../scaling/reservation-history.js';
import { act } from './act.js';
import type { Expectations } from './expectations.js';
import { forgetPool, observeReservations, observeWarmups } from './observe.js';
import { expireOrphanedReservations } from './orphaned-reservations.js';
import type { PoolWriter } from './pool-writer.js';
import { forgetMetrics, recordMetrics, recordPoolHealth, reference, reportEvents, reportProblems } from './report.js';
import { buildStatus, statusChanged } from './status.js';

export const RESYNC_MS = 15_000;
export const MAX_CREATES_PER_RECONCILE = 500;

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

export async function reconcilePool(key: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const slash = key.indexOf('/');
  const namespace = key.slice(0, slash);
  const name = key.slice(slash + 1);
  const pool = deps.cache.getPool(namespace, name);
  if (pool === undefined) {
    // Deleted: the garbage collector removes its unreserved pods through their owner references;
    // its reserved pods stay until their sessions end.
    deps.expectations.forget(key);
    forgetPool(key);
    forgetMetrics(namespace, name);
    return { requeueAfterMs: await expireOrphanedReservations(namespace, name, deps) };
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
  const { wanted, limitedBy } = wantedWarmPods(pool, recommendation);

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
    limitedBy,
    history: observed.history,
    totalReservations: (pool.status?.totalReservations ?? 0) + observed.count,
    lastReservationMs: observed.newestMs,
    observedUnmetReservations: observed.observedUnmet,
    observedWarmupSeconds: warmupSeconds,
    lastScaleTime,
    problems: [...problems, ...notices],
    nowIso: new Date(nowMs).toISOString(),
  });
  reportEvents(pool, recommendation, acted, limitedBy, deps);
  reportProblems(pool, problems, deps);
  recordMetrics(namespace, name, classes, recommendation);
  recordPoolHealth(pool, wanted, limitedBy, [...problems, ...notices]);
  if (statusChanged(pool.status, status)) {
    try {
      await deps.writer.writeStatus(pool, status);
    } catch (error) {
      // Deleted since the cache showed it: nothing left to report on.
      if (apiStatus(error) !== 404) throw error;
    }
  }
  log.debug({ wanted, ready: classes.ready.length, warming: classes.warming.length, created: acted.created, deleted: acted.deleted }, 'reconciled');
  if (problems.length > 0) throw new Error(problems.join('; '));
  return { requeueAfterMs: Math.min(RESYNC_MS, acted.nextExpiryMs ?? RESYNC_MS) };
}

/**
 * The warm count to aim for and the bound that limited it: spec.replicas (KEDA, HPA or kubectl
 * scale) clamped to [minPoolSize, maxPoolSize] when set, else the engine's own clamped answer.
 */
function wantedWarmPods(pool: PodPool, recommendation: Recommendation): { wanted: number; limitedBy: Recommendation['limitedBy'] } {
  const replicas = pool.spec.replicas;
  if (replicas === undefined) return { wanted: recommendation.desiredReplicas, limitedBy: recommendation.limitedBy };
  if (replicas > pool.spec.maxPoolSize) return { wanted: pool.spec.maxPoolSize, limitedBy: 'maxPoolSize' };
  if (replicas < pool.spec.minPoolSize) return { wanted: pool.spec.minPoolSize, limitedBy: 'minPoolSize' };
  return { wanted: replicas, limitedBy: undefined };
}

