/**
 * Reserved pods leave the pool's ownership (so deleting the pool or scaling it never removes
 * them), and those reserved by hand get a reserved-at time.
 */
import { RESERVED_AT_ANNOTATION } from '../../api/labels.js';
import type { PodView } from '../../pool/pod-view.js';
import { forEachBounded } from '../../kube/bounded.js';
import type { PodWriter } from '../ports.js';
import { writeFailed, type Problem } from '../problems.js';
import { MAX_CONCURRENT_WRITES, type PoolTarget } from './target.js';

export async function handOverReservedPods(
  target: PoolTarget,
  reserved: readonly PodView[],
  missingReservedAt: readonly PodView[],
  nowMs: number,
  writer: PodWriter,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const stampNeeded = new Set(missingReservedAt.map((pod) => pod.name));
  await forEachBounded(reserved, MAX_CONCURRENT_WRITES, async (pod) => {
    const raw = target.pods.get(pod.name);
    const owned = raw?.metadata?.ownerReferences?.some((ref) => ref.uid === target.pool.metadata.uid) ?? false;
    const needsStamp = stampNeeded.has(pod.name);
    if (!owned && !needsStamp) return;
    const metadata: Record<string, unknown> = {};
    if (owned) metadata.ownerReferences = null;
    if (needsStamp) metadata.annotations = { [RESERVED_AT_ANNOTATION]: new Date(nowMs).toISOString() };
    try {
      await writer.patchPodMetadata(target.namespace, pod.name, raw?.metadata?.resourceVersion, metadata);
    } catch (error) {
      problems.push(writeFailed('PodPatchFailed', error, pod.name));
    }
  });
  return problems;
}
