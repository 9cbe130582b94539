/**
 * Deleting a claim ends its session: the pod it owned is deleted. The garbage collector does that
 * too (the claim owns the pod), but only once it watches PodPoolClaims and on its own schedule;
 * the claim controller releases at once, as a release through the API does. The cache not
 * showing a claim is not proof it is gone, so each one is read from the API server first.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { ReservationPodWriter } from '../reservations/reserve.js';
import { owningClaimOf } from './identity.js';

export interface OrphanDeps {
  podWriter: Pick<ReservationPodWriter, 'delete'>;
  /** The claim as the API server has it; undefined when it answers 404. */
  readClaim(namespace: string, name: string): Promise<{ metadata: { uid?: string } } | undefined>;
}

/** Deletes the pods whose owning claim is not among `knownClaimUids` and no longer exists; returns their names. */
export async function releaseOrphans(
  namespace: string,
  pods: readonly V1Pod[],
  knownClaimUids: ReadonlySet<string>,
  deps: OrphanDeps,
): Promise<string[]> {
  const released: string[] = [];
  await Promise.all(
    pods.map(async (pod) => {
      const owner = owningClaimOf(pod);
      const name = pod.metadata?.name;
      const uid = pod.metadata?.uid;
      if (owner === undefined || knownClaimUids.has(owner.uid) || !name || !uid || pod.metadata?.deletionTimestamp !== undefined) return;
      const claim = await deps.readClaim(namespace, owner.name);
      if (claim !== undefined && claim.metadata.uid === owner.uid) return;
      if ((await deps.podWriter.delete(namespace, name, uid)) === 'deleted') released.push(name);
    }),
  );
  return released;
}
