/**
 * What the webhook answers for one admission request. Pure apart from reading pools through the
 * PodPoolReader (the informer cache): no writes, no clock, so a dryRun request gets exactly the
 * answer a real one would, with nothing to undo.
 *
 * The rules, in order:
 * - Anything but CREATE of a core/v1 Pod (no subresource): allowed untouched.
 * - A pod that names no pool (no podpool.dev/pool label, no PodPool owner): allowed untouched.
 * - A pod whose label and PodPool owner name different pools: denied, it cannot be in both.
 * - A pool name no PodPool can have (not a DNS subdomain of at most 253 characters): denied
 *   before any lookup, so neither the cache nor the API server is asked about a 1 MB label.
 * - A pod that claims podpool.dev/state=reserved: denied. A reserved pod is never scaled down and
 *   never counted, so creating one would bypass the pool; silently turning it into "warming" would
 *   instead hand a pod its creator believes is theirs to another user. Reserve through the API.
 * - Cache not yet synced: allowed without stamping and with a warning. "Not in the cache" does not
 *   yet mean "does not exist", and refusing a legitimate pod is worse than admitting it unstamped:
 *   the controller repairs labels of pool pods admitted without the webhook.
 * - A pool that does not exist in the pod's namespace: denied, naming the pool, so a typo in the
 *   label surfaces at once (kubectl, or the owning controller's FailedCreate event) instead of as
 *   a pod no pool ever manages. The cache may lag the API server by a moment, so such a denial
 *   carries `unknownPool` and is confirmed by the API server before it is sent (confirmAdmission).
 * - Otherwise: allowed with a patch stamping pool, state=warming, template hash and the pool's
 *   podTemplate labels; no patch when they are already right.
 */
import { API_GROUP, KIND, POOL_LABEL, STATE_LABEL } from '../api/labels.js';
import { poolKey, type PoolKey } from '../api/pool-key.js';
import type { PodPoolReader } from '../kube/pool-reader.js';
import { excerpt } from '../log.js';
import { isValidObjectName } from '../api/object-names.js';
import { INITIAL_STATE, poolPodPatch, type JsonPatchOperation } from './patch.js';
import type { AdmissionRequest, AdmissionResponse, AdmittedPod } from './review.js';

export type AdmissionOutcome = 'patched' | 'allowed' | 'denied';

export interface AdmissionDecision {
  outcome: AdmissionOutcome;
  /** Why, for the log line (and, on denial, the message the user sees). */
  reason: string;
  patch?: JsonPatchOperation[];
  warnings?: string[];
  /** The pool the pod names, when it names one. */
  poolKey?: PoolKey;
  /** Set on a denial for a pool the cache does not hold: only the API server can confirm it. */
  unknownPool?: { namespace: string; name: string };
}

/** Kubernetes' own code for a webhook denial; kubectl shows it as "Forbidden". */
const DENIAL_CODE = 403;

type PoolName = { name: string } | { conflict: string } | undefined;

function isPodPoolOwner(reference: { apiVersion: string; kind: string }): boolean {
  return reference.kind === KIND && reference.apiVersion.startsWith(`${API_GROUP}/`);
}

/** The pool a pod names through its label or a PodPool owner reference (the two the configuration's matchConditions route here). */
function poolNameOf(pod: AdmittedPod): PoolName {
  const labelled = pod.metadata?.labels?.[POOL_LABEL];
  const owners = [...new Set((pod.metadata?.ownerReferences ?? []).filter(isPodPoolOwner).map((owner) => owner.name))];
  const named = [...new Set([...(labelled === undefined ? [] : [labelled]), ...owners])];
  if (named.length === 0) return undefined;
  if (named.length > 1) {
    return {
      conflict: `the pod names several pools (label ${POOL_LABEL}=${excerpt(labelled ?? '<unset>')}, PodPool owners ${excerpt(owners.join(', ') || '<none>')})`,
    };
  }
  return { name: named[0]! };
}

function podDescription(request: AdmissionRequest): string {
  const metadata = request.pod?.metadata;
  const name = metadata?.name || (metadata?.generateName ? `${metadata.generateName}*` : '<unnamed>');
  return `${request.namespace ?? '<no namespace>'}/${excerpt(name)}`;
}

export function decideAdmission(request: AdmissionRequest, pools: PodPoolReader): AdmissionDecision {
  const pod = request.pod;
  if (pod === undefined || request.subResource !== undefined) {
    return {
      outcome: 'allowed',
      reason: `not a pod creation (${request.operation} ${request.kind.kind}${request.subResource ? `/${request.subResource}` : ''})`,
    };
  }
  const poolName = poolNameOf(pod);
  if (poolName === undefined) return { outcome: 'allowed', reason: 'the pod names no pool' };
  if ('conflict' in poolName) return { outcome: 'denied', reason: poolName.conflict };
  if (!isValidObjectName(poolName.name, 'pool')) {
    return {
      outcome: 'denied',
      reason:
        `pod ${podDescription(request)} names PodPool ${JSON.stringify(excerpt(poolName.name))}, which is not a valid PodPool name ` +
        `(lowercase letters, digits, '-' and '.', at most 253 characters): fix the ${POOL_LABEL} label or the PodPool owner reference`,
    };
  }

  const namespace = request.namespace ?? '';
  const key = poolKey(namespace, poolName.name);
  const claimedState = pod.metadata?.labels?.[STATE_LABEL];
  if (claimedState === 'reserved') {
    return {
      outcome: 'denied',
      poolKey: key,
      reason: `pod ${podDescription(request)} cannot be created with ${STATE_LABEL}=reserved: pool pods start ${INITIAL_STATE}; reserve a ready pod through the podpool reservation API`,
    };
  }
  if (!pools.hasSynced()) {
    return {
      outcome: 'allowed',
      poolKey: key,
      reason: 'the PodPool cache has not synced yet',
      warnings: [
        `podpool webhook: PodPool ${key} not checked and labels not stamped (cache still syncing); the podpool controller will label the pod`,
      ],
    };
  }
  const found = pools.getPool(namespace, poolName.name);
  if (found === undefined) {
    return {
      outcome: 'denied',
      poolKey: key,
      reason: `PodPool ${key} does not exist: create the pool first, or remove the ${POOL_LABEL} label from pod ${podDescription(request)}`,
      unknownPool: { namespace, name: poolName.name },
    };
  }
  const patch = poolPodPatch(pod, found);
  const warnings =
    claimedState !== undefined && claimedState !== INITIAL_STATE
      ? [`podpool webhook: ${STATE_LABEL}=${excerpt(claimedState)} replaced by ${INITIAL_STATE}; a new pod is not ready yet`]
      : undefined;
  if (patch.length === 0) return { outcome: 'allowed', poolKey: key, reason: 'labels already stamped' };
  return {
    outcome: 'patched',
    poolKey: key,
    reason: `stamped ${patch.length} label operation(s)`,
    patch,
    ...(warnings ? { warnings } : {}),
  };
}

/** The response for `decision`, echoing the request uid as the API server requires. */
export function admissionResponse(uid: string, decision: AdmissionDecision): AdmissionResponse {
  const response: AdmissionResponse = { uid, allowed: decision.outcome !== 'denied' };
  if (decision.outcome === 'denied') response.status = { code: DENIAL_CODE, reason: 'Forbidden', message: decision.reason };
  if (decision.patch !== undefined) response.patch = decision.patch;
  if (decision.warnings !== undefined) response.warnings = decision.warnings;
  return response;
}

/** Parse-free convenience for callers holding a typed request: decide and answer in one step. */
export function admit(request: AdmissionRequest, pools: PodPoolReader): { response: AdmissionResponse; decision: AdmissionDecision } {
  const decision = decideAdmission(request, pools);
  return { decision, response: admissionResponse(request.uid, decision) };
}
