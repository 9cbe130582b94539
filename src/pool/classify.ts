/**
 * Sorts a pool's pods into the lifecycle classes the controller acts on:
 *   reserved    - handed to a user (podpool.dev/state=reserved); never counted, never deleted
 *   failed      - Failed or Succeeded phase; deleted and replaced
 *   terminating - already being deleted; ignored, as a ReplicaSet ignores them
 *   warming     - not Ready yet
 *   ready       - Ready and unreserved
 * Warming and ready pods whose template hash differs from the pool's are also listed in `stale`.
 */
import { STATE_LABEL, TEMPLATE_HASH_LABEL } from '../api/labels.js';
import type { PodView } from './pod-view.js';

export interface PodClasses {
  warming: PodView[];
  ready: PodView[];
  reserved: PodView[];
  failed: PodView[];
  terminating: PodView[];
  /** Warming or ready pods made from an older template (a subset of warming and ready). */
  stale: PodView[];
}

export type PodClass = 'warming' | 'ready' | 'reserved' | 'failed' | 'terminating';

/** What classification reads of a pod (no timestamps beyond whether it is being deleted). */
export type ClassifiedFields = Pick<PodView, 'labels' | 'deletingMs' | 'phase' | 'ready'>;

export function classifyPod(pod: ClassifiedFields): PodClass {
  if (pod.labels[STATE_LABEL] === 'reserved') return 'reserved';
  if (pod.deletingMs !== undefined) return 'terminating';
  if (pod.phase === 'Failed' || pod.phase === 'Succeeded') return 'failed';
  return pod.ready && pod.phase === 'Running' ? 'ready' : 'warming';
}

export function classifyPods(pods: readonly PodView[], currentTemplateHash: string): PodClasses {
  const classes: PodClasses = { warming: [], ready: [], reserved: [], failed: [], terminating: [], stale: [] };
  for (const pod of pods) {
    const podClass = classifyPod(pod);
    classes[podClass].push(pod);
    if ((podClass === 'warming' || podClass === 'ready') && pod.labels[TEMPLATE_HASH_LABEL] !== currentTemplateHash) {
      classes.stale.push(pod);
    }
  }
  return classes;
}
