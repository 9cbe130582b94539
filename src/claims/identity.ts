/** How a pod handed to a PodPoolClaim names its claim: an owner reference, and the reserving caller. */
import type { V1ObjectReference, V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import { CLAIM_KIND, type PodPoolClaim } from '../api/claim-schema.js';
import { API_GROUP, API_GROUP_VERSION } from '../api/labels.js';
import type { HandOver } from '../reservations/reserve.js';

/**
 * Recorded as the pod's reserving caller (podpool.dev/reserved-by-caller). No authenticated
 * Kubernetes user has this name, so the reservation API releases a claim's pod only for a holder
 * of release-any; the claim's owner ends the session by deleting the claim.
 */
export function claimCaller(namespace: string, name: string): string {
  return `${API_GROUP}/claim:${namespace}/${name}`;
}

export function claimOwnerReference(claim: PodPoolClaim): V1OwnerReference {
  // No blockOwnerDeletion: it needs update on the claim's finalizers where the API server enforces
  // owner-reference permissions, and nothing waits for the pod before the claim goes.
  return {
    apiVersion: API_GROUP_VERSION,
    kind: CLAIM_KIND,
    name: claim.metadata.name ?? '',
    uid: claim.metadata.uid ?? '',
    controller: true,
  };
}

export function handOverOf(claim: PodPoolClaim): HandOver {
  return { owner: claimOwnerReference(claim), labels: claim.spec.podLabels, annotations: claim.spec.podAnnotations };
}

/** The claim that owns the pod, if a claim does. */
export function owningClaimOf(pod: V1Pod): V1OwnerReference | undefined {
  return pod.metadata?.ownerReferences?.find((owner) => owner.kind === CLAIM_KIND && owner.apiVersion.startsWith(`${API_GROUP}/`));
}

export function owningClaimUid(pod: V1Pod): string | undefined {
  return owningClaimOf(pod)?.uid;
}

export function claimReference(claim: PodPoolClaim): V1ObjectReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: CLAIM_KIND,
    name: claim.metadata.name,
    namespace: claim.metadata.namespace,
    uid: claim.metadata.uid,
  };
}
