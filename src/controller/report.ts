/** The report step's events and metrics (status itself is built in status.ts). */
import type { V1ObjectReference } from '@kubernetes/client-node';
import { API_GROUP_VERSION, KIND } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';
import { poolAcceleration, poolDesiredReplicas, poolPods, poolVelocity } from '../metrics.js';
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
  poolPods.set({ namespace, pool, state: 'ready' }, classes.ready.length);
  poolPods.set({ namespace, pool, state: 'warming' }, classes.warming.length);
  poolPods.set({ namespace, pool, state: 'reserved' }, classes.reserved.length);
}

/** A deleted pool's series go with it, so dashboards do not show a ghost pool. */
export function forgetMetrics(namespace: string, pool: string): void {
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
