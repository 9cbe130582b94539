/** The report step's events and metrics (status itself is built in status.ts). */
import type { V1ObjectReference } from '@kubernetes/client-node';
import { API_GROUP_VERSION, KIND } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';
import {
  poolAcceleration,
  poolAtMax,
  poolAvailabilityTarget,
  poolDegraded,
  poolDesiredReplicas,
  poolPods,
  poolSpikeMode,
  poolVelocity,
  poolWantedReplicas,
} from '../metrics.js';
import type { PodClasses } from '../pool/classify.js';
import type { Recommendation } from '../scaling/recommend.js';
import { conditionOf } from './conditions.js';
import type { EventRecorder } from './ports.js';
import { problemDetail, type Problem, type ProblemReason } from './problems.js';

export function reference(pool: PodPool): V1ObjectReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: KIND,
    name: pool.metadata.name,
    namespace: pool.metadata.namespace,
    uid: pool.metadata.uid,
  };
}

export interface ScalingChanges {
  created: number;
  deletedSurplus: number;
  limitedBy: string | undefined;
}

export function reportScalingEvents(pool: PodPool, r: Recommendation, changes: ScalingChanges, events: EventRecorder): void {
  const ref = reference(pool);
  if (changes.created > 0) events.record(ref, 'Normal', 'ScaledUp', `created ${changes.created} pods: ${r.reason}`);
  if (changes.deletedSurplus > 0) events.record(ref, 'Normal', 'ScaledDown', `deleted ${changes.deletedSurplus} surplus pods: ${r.reason}`);
  const wasSpike = conditionOf(pool.status?.conditions, 'ScalingActive')?.reason === 'SpikeMode';
  if (r.mode === 'spike' && !wasSpike) events.record(ref, 'Normal', 'SpikeModeEntered', r.reason);
  if (r.mode !== 'spike' && wasSpike) events.record(ref, 'Normal', 'SpikeModeLeft', r.reason);
  const wasLimited = conditionOf(pool.status?.conditions, 'ScalingLimited')?.status === 'True';
  if (changes.limitedBy !== undefined && !wasLimited) events.record(ref, 'Warning', 'ScalingLimited', `clamped to ${changes.limitedBy}`);
}

/** One Warning event per reason in this reconcile (PodCreateFailed, PodDeleteFailed, WebhookNotCalled, ...). */
export function reportProblems(pool: PodPool, problems: readonly Problem[], events: EventRecorder): void {
  const byReason = new Map<string, string[]>();
  for (const problem of problems) byReason.set(problem.reason, [...(byReason.get(problem.reason) ?? []), problemDetail(problem)]);
  for (const [reason, details] of byReason) events.record(reference(pool), 'Warning', reason, details.join('; '));
}

export function recordMetrics(namespace: string, poolName: string, classes: PodClasses, r: Recommendation): void {
  const labels = { namespace, pool: poolName };
  poolDesiredReplicas.set(labels, r.desiredReplicas);
  // The engine counts per minute; Prometheus' base unit is the second.
  poolVelocity.set(labels, r.velocity / 60);
  poolAcceleration.set(labels, r.acceleration / 3600);
  poolSpikeMode.set(labels, r.mode === 'spike' ? 1 : 0);
  poolPods.set({ ...labels, state: 'ready' }, classes.ready.length);
  poolPods.set({ ...labels, state: 'warming' }, classes.warming.length);
  poolPods.set({ ...labels, state: 'reserved' }, classes.reserved.length);
}

/** Reasons each pool was last reported Degraded for, so a reason that cleared loses its series. */
const degradedReasons = new Map<string, Set<ProblemReason>>();

/** What the availability SLO and its alerts read: the target, the count aimed for, the ceiling, Degraded. */
export function recordPoolHealth(pool: PodPool, wanted: number, limitedBy: string | undefined, problems: readonly Problem[]): void {
  const labels = { namespace: pool.metadata.namespace ?? '', pool: pool.metadata.name ?? '' };
  poolAvailabilityTarget.set(labels, pool.spec.availability);
  poolWantedReplicas.set(labels, wanted);
  poolAtMax.set(labels, limitedBy === 'maxPoolSize' ? 1 : 0);
  const key = `${labels.namespace}/${labels.pool}`;
  const reasons = new Set(problems.map((problem) => problem.reason));
  for (const reason of degradedReasons.get(key) ?? []) if (!reasons.has(reason)) poolDegraded.remove({ ...labels, reason });
  for (const reason of reasons) poolDegraded.set({ ...labels, reason }, 1);
  if (reasons.size > 0) degradedReasons.set(key, reasons);
  else degradedReasons.delete(key);
}

/** A deleted pool's series go with it, so dashboards do not show a ghost pool. */
export function forgetMetrics(namespace: string, poolName: string): void {
  const labels = { namespace, pool: poolName };
  for (const reason of degradedReasons.get(`${namespace}/${poolName}`) ?? []) poolDegraded.remove({ ...labels, reason });
  degradedReasons.delete(`${namespace}/${poolName}`);
  poolAvailabilityTarget.remove(labels);
  poolWantedReplicas.remove(labels);
  poolAtMax.remove(labels);
  poolSpikeMode.remove(labels);
  poolDesiredReplicas.remove(labels);
  poolVelocity.remove(labels);
  poolAcceleration.remove(labels);
  for (const state of ['ready', 'warming', 'reserved']) poolPods.remove({ ...labels, state });
}
