/**
 * One metadata patch per pod: a state change (warming <-> ready), the repair of a pod the webhook
 * never saw (its template hash, and the pool as controller owner when it has none, as a
 * ReplicaSet adopts orphans), or both.
 */
import { STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../api/labels.js';
import type { Plan } from '../../pool/plan.js';
import type { PodView } from '../../pool/pod-view.js';
import { forEachBounded } from '../../kube/bounded.js';
import { poolOwnerReference } from '../pod-factory.js';
import type { PodWriter } from '../ports.js';
import { writeFailed, type Problem } from '../problems.js';
import { MAX_CONCURRENT_WRITES, type PoolTarget } from './target.js';

type MetadataPatch = { labels: Record<string, string>; ownerReferences?: unknown[] };

export async function relabelPods(
  target: PoolTarget,
  relabel: Plan['relabel'],
  admittedWithoutWebhook: readonly PodView[],
  templateHash: string,
  deleting: ReadonlySet<string>,
  writer: PodWriter,
): Promise<Problem[]> {
  const patches = new Map<string, MetadataPatch>();
  for (const pod of admittedWithoutWebhook) {
    const orphan = !(target.pods.get(pod.name)?.metadata?.ownerReferences ?? []).some((ref) => ref.controller === true);
    const patch: MetadataPatch = { labels: { [TEMPLATE_HASH_LABEL]: templateHash } };
    if (orphan) patch.ownerReferences = [poolOwnerReference(target.pool)];
    patches.set(pod.name, patch);
  }
  for (const { pod, state } of relabel) {
    const patch = patches.get(pod.name) ?? { labels: {} };
    patch.labels[STATE_LABEL] = state;
    patches.set(pod.name, patch);
  }
  const problems: Problem[] = [];
  const wanted = [...patches].filter(([podName]) => !deleting.has(podName));
  await forEachBounded(wanted, MAX_CONCURRENT_WRITES, async ([podName, metadata]) => {
    try {
      await writer.patchPodMetadata(target.namespace, podName, target.pods.get(podName)?.metadata?.resourceVersion, metadata);
    } catch (error) {
      problems.push(writeFailed('PodPatchFailed', error, podName));
    }
  });
  return problems;
}
