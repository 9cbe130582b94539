/**
 * Plans one reconcile step: how many pods to create and which to delete, given the classified
 * pods, the wanted warm count and the writes still in flight ("expectations").
 *
 * Deletion order, like a ReplicaSet's: failed pods first (replaced), then stale-template warming
 * pods (they would come up with the old template), then surplus warming pods before ready ones
 * (a ready pod is what a user gets at once), newest first within each (least warm-up sunk).
 * Stale ready pods are replaced surge-style: each is deleted only once a fresh pod is ready to
 * take its place, so a template change never empties the ready buffer. Reserved pods are never
 * in the plan.
 */
import { STATE_LABEL } from '../api/labels.js';
import type { PodClasses } from './classify.js';
import type { PodView } from './pod-view.js';

export interface InFlight {
  /** Creates sent whose pods the cache has not shown yet. */
  creates: number;
  /** Pods whose delete was sent but which the cache still shows as live. */
  deletes: ReadonlySet<string>;
}

export const NOTHING_IN_FLIGHT: InFlight = { creates: 0, deletes: new Set() };

export type DeleteReason = 'failed' | 'stale' | 'surplus';

export interface PodDeletion {
  pod: PodView;
  reason: DeleteReason;
}

export interface Plan {
  create: number;
  delete: PodDeletion[];
  /** Pods whose podpool.dev/state label should change (warming <-> ready). */
  relabel: Array<{ pod: PodView; state: 'warming' | 'ready' }>;
}

const newestFirst = (a: PodView, b: PodView): number => b.createdMs - a.createdMs || a.name.localeCompare(b.name);
const mostRecentlyReadyFirst = (a: PodView, b: PodView): number =>
  (b.readySinceMs ?? b.createdMs) - (a.readySinceMs ?? a.createdMs) || a.name.localeCompare(b.name);

export function planPods(classes: PodClasses, desiredWarm: number, inFlight: InFlight = NOTHING_IN_FLIGHT, maxCreates = Infinity): Plan {
  const alive = (pod: PodView): boolean => !inFlight.deletes.has(pod.name);
  const stale = new Set(classes.stale.map((pod) => pod.name));
  const deletions: PodDeletion[] = classes.failed.filter(alive).map((pod) => ({ pod, reason: 'failed' }));

  const warming = classes.warming.filter(alive);
  const ready = classes.ready.filter(alive);
  for (const pod of warming.filter((p) => stale.has(p.name)).sort(newestFirst)) deletions.push({ pod, reason: 'stale' });

  const freshWarming = warming.filter((p) => !stale.has(p.name)).sort(newestFirst);
  const freshReady = ready.filter((p) => !stale.has(p.name)).sort(mostRecentlyReadyFirst);
  const freshCount = freshWarming.length + freshReady.length + inFlight.creates;
  const wanted = Math.max(0, desiredWarm);

  const surplus = Math.max(0, freshCount - wanted);
  const surplusPods = [...freshWarming, ...freshReady].slice(0, surplus);
  for (const pod of surplusPods) deletions.push({ pod, reason: 'surplus' });

  const remainingFreshReady = freshReady.length - surplusPods.filter((pod) => freshReady.includes(pod)).length;
  const staleReady = ready.filter((p) => stale.has(p.name)).sort(mostRecentlyReadyFirst);
  const staleToKeep = Math.max(0, Math.min(staleReady.length, wanted - remainingFreshReady));
  for (const pod of staleReady.slice(staleToKeep)) deletions.push({ pod, reason: 'stale' });

  const relabel: Plan['relabel'] = [];
  const deleted = new Set(deletions.map((d) => d.pod.name));
  for (const pod of warming) if (!deleted.has(pod.name) && pod.labels[STATE_LABEL] !== 'warming') relabel.push({ pod, state: 'warming' });
  for (const pod of ready) if (!deleted.has(pod.name) && pod.labels[STATE_LABEL] !== 'ready') relabel.push({ pod, state: 'ready' });

  return { create: Math.min(Math.max(0, wanted - freshCount), maxCreates), delete: deletions, relabel };
}
