/** Deletes the plan's pods and the expired reservations, each only if it is still the pod the plan saw. */
import { podsDeletedTotal } from '../../metrics.js';
import type { PodView } from '../../pool/pod-view.js';
import { forEachBounded } from '../../kube/bounded.js';
import type { Expectations } from '../expectations.js';
import type { PodWriter } from '../ports.js';
import { writeFailed, type Problem } from '../problems.js';
import { MAX_CONCURRENT_WRITES, type PoolPods } from './target.js';

export type DeletionReason = 'failed' | 'stale' | 'surplus' | 'expired';

export interface Deletion {
  pod: PodView;
  reason: DeletionReason;
}

export interface Deleted {
  deleted: number;
  deletedSurplus: number;
  problems: Problem[];
}

export async function deletePods(
  target: PoolPods,
  deletions: readonly Deletion[],
  writer: PodWriter,
  expectations: Pick<Expectations, 'expectDelete'>,
): Promise<Deleted> {
  const result: Deleted = { deleted: 0, deletedSurplus: 0, problems: [] };
  await forEachBounded(deletions, MAX_CONCURRENT_WRITES, async ({ pod, reason }) => {
    const raw = target.pods.get(pod.name);
    try {
      const outcome = await writer.deletePod(target.namespace, pod.name, {
        uid: raw?.metadata?.uid,
        resourceVersion: raw?.metadata?.resourceVersion,
      });
      if (outcome !== 'deleted') return;
      expectations.expectDelete(target.key, pod.name);
      podsDeletedTotal.inc({ namespace: target.namespace, pool: target.name, reason });
      result.deleted += 1;
      if (reason === 'surplus') result.deletedSurplus += 1;
    } catch (error) {
      result.problems.push(writeFailed('PodDeleteFailed', error, pod.name));
    }
  });
  return result;
}
