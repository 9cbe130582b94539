/** The report step's events and metrics (status itself is built in status.ts). */
import type { V1ObjectReference } from '@kubernetes/client-node';
import { API_GROUP_VERSION, KIND } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';
import { poolAcceleration, poolAtMax, poolAvailabilityTarget, poolDegraded, poolDesiredReplicas, poolPods, poolSpikeMode, poolVelocity, poolWantedReplicas } from '../metrics.js';
import { availabilityTarget } from '../pool/availability.js';
import type { PodClasses } from '../pool/classify.js';
import type { Recommendation } from '../scaling/recommend.js';
import type { Acted } from './act.js';
import { conditionOf } from './conditions.js';
import { splitProblem } from './problems.js';
import type { ReconcileDeps } from './reconcile.js';

export function reference(pool: PodPool): V1ObjectReference {
  return { apiVersion: API_GROUP_VERSION, kind: KIND, name: pool.metadata.name, namespace: pool.metadata.namespace, uid: pool.metadata.uid };
}

export function reportEvents(pool: PodPool, r: Recommendation, acted: Acted, limitedBy: string | undefined, deps: ReconcileDeps): void {
  const ref = reference(pool);
  if (acted.created > 0) deps.events.record(ref, 'Normal', 'ScaledUp', `created ${acted.created} pods: ${r.reason}`);
  if (acted.deletedSurplus > 0) deps.events.record(ref, 'Normal', 'ScaledDown', `deleted ${acted.deletedSurplus} surplus pods: ${r.reason}`);
  const wasSpike = conditionOf(pool.status?.conditions, 'ScalingActive')?.reason === 'SpikeMode';
  if (r.mode === 'spike' && !wasSpike) deps.events.record(ref, 'Normal', 'SpikeModeEntered', r.reason);
  if (r.mode !== 'spike' && wasSpike) deps.events.record(ref, 'Normal', 'SpikeModeLeft', r.reason);
  const wasLimited = conditionOf(pool.status?.conditions, 'ScalingLimited')?.status === 'True';
  if (limitedBy !== undefined && !wasLimited) deps.events.record(ref, 'Warning', 'ScalingLimited', `clamped to ${limitedBy}`);
}

export function recordMetrics(namespace: string, pool: string, classes: PodClasses, r: Recommendation): void {
  poolDesiredReplicas.set({ namespace, pool }, r.desiredReplicas);
  // The engine counts per minute; Prometheus' base unit is the second.
  poolVelocity.set({ namespace, pool }, r.velocity / 60);
  poolAcceleration.set({ namespace, pool }, r.acceleration / 3600);
  poolSpikeMode.set({ namespace, pool }, r.mode === 'spike' ? 1 : 0);
  poolPods.set({ namespace, pool, state: 'ready' }, classes.ready.length);
  poolPods.set({ namespace, pool, state: 'warming' }, classes.warming.length);
  poolPods.set({ namespace, pool, state: 'reserved' }, classes.reserved.length);
}

/** Reasons each pool was last reported Degraded for, so a reason that cleared loses its series. */
const degradedReasons = new Map<string, Set<string>>();

/** What the availability SLO and its alerts read: the target, the count aimed for, the ceiling, Degraded. */
export function recordPoolHealth(pool: PodPool, wanted: number, limitedBy: string | undefined, problems: readonly string[]): void {
  const labels = { namespace: pool.metadata.namespace ?? '', pool: pool.metadata.name ?? '' };
  poolAvailabilityTarget.set(labels, availabilityTarget(pool));
  poolWantedReplicas.set(labels, wanted);
  poolAtMax.set(labels, limitedBy === 'maxPoolSize' ? 1 : 0);
  const key = `${labels.namespace}/${labels.pool}`;
  const reasons = new Set(problems.map((problem) => splitProblem(problem).reason));
  for (const reason of degradedReasons.get(key) ?? []) if (!reasons.has(reason)) poolDegraded.remove({ ...labels, reason });
  for (const reason of reasons) poolDegraded.set({ ...labels, reason }, 1);
  if (reasons.size > 0) degradedReasons.set(key, reasons);
  else degradedReasons.delete(key);
}

/** A deleted pool's series go with it, so dashboards do not show a ghost pool. */
export function forgetMetrics(namespace: string, pool: string): void {
  for (const reason of degradedReasons.get(`${namespace}/${pool}`) ?? []) poolDegraded.remove({ namespace, pool, reason });
  degradedReasons.delete(`${namespace}/${pool}`);
  poolAvailabilityTarget.remove({ namespace, pool });
  poolWantedReplicas.remove({ namespace, pool });
  poolAtMax.remove({ namespace, pool });
  poolSpikeMode.remove({ namespace, pool });
  poolDesiredReplicas.remove({ namespace, pool });
  poolVelocity.remove({ namespace, pool });
  poolAcceleration.remove({ namespace, pool });
  for (const state of ['ready', 'warming', 'reserved']) poolPods.remove({ namespace, pool, state });
}

/** One Warning event per kind of failure in this reconcile (PodCreateFailed, PodDeleteFailed, ...). */
export function reportProblems(pool: PodPool, problems: readonly string[], deps: ReconcileDeps): void {
  const byReason = new Map<string, string[]>();
  for (const problem of problems) {
    const { reason, detail } = splitProblem(problem);
    byReason.set(reason, [...(byReason.get(reason) ?? []), detail]);
  }
  for (const [reason, details] of byReason) deps.events.record(reference(pool), 'Warning', reason, details.join('; '));
}
