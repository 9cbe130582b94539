/**
 * What a PodPoolClaim should be, from what is known about it: its pod (if it holds one), whether
 * its pool exists, and `now`. Pure: the reconcile gathers the facts, acts, and writes the status
 * these functions build.
 *
 *   Pending --(ready pod handed over)--> Bound --(ttlSeconds passed)--> Expired
 *      |                                   |
 *      +--(pool missing)--> Failed <-------+--(pod deleted by someone else)
 *
 * Expired and Failed are final: the claim keeps reporting why until it is deleted.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { BOUND_CONDITION, type ClaimPhase, type PodPoolClaim, type PodPoolClaimStatus } from '../api/claim-schema.js';
import { RESERVED_AT_ANNOTATION } from '../api/labels.js';
import type { Condition } from '../api/schema.js';

export type ClaimReason = 'PodBound' | 'NoReadyPod' | 'PoolNotFound' | 'PodDeleted' | 'TTLExpired' | 'BindFailed';

export interface ClaimFacts {
  claim: PodPoolClaim;
  /** The pod the claim holds (owned by it), undefined when it holds none or the pod is being deleted. */
  pod: V1Pod | undefined;
  /** Whether the claim's PodPool exists; only consulted for a claim that holds no pod. */
  poolExists: boolean;
  nowMs: number;
}

export type ClaimDecision =
  /** Holds a live pod: report it; `expiresInMs` when a TTL is running. */
  | { kind: 'bound'; pod: V1Pod; expiresInMs?: number | undefined }
  /** Its TTL passed: delete `pod` (if it still exists) and report Expired. */
  | { kind: 'expire'; pod?: V1Pod | undefined }
  /** Waits for a ready pod: a candidate for binding. */
  | { kind: 'bind' }
  | { kind: 'fail'; reason: 'PoolNotFound' | 'PodDeleted' }
  /** Final (Expired or Failed) and nothing left to do. */
  | { kind: 'done' };

export function isFinal(phase: ClaimPhase | undefined): boolean {
  return phase === 'Expired' || phase === 'Failed';
}

function timeMs(value: string | Date | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** When the claim's session ends, from the hand-over time; undefined without a TTL. */
export function expiryMs(claim: PodPoolClaim, boundMs: number | undefined): number | undefined {
  const ttl = claim.spec.ttlSeconds;
  if (ttl === undefined || boundMs === undefined) return undefined;
  return boundMs + ttl * 1000;
}

/** The hand-over time: the pod's reserved-at, else what the status last recorded. */
export function boundTimeMs(claim: PodPoolClaim, pod: V1Pod | undefined): number | undefined {
  return timeMs(pod?.metadata?.annotations?.[RESERVED_AT_ANNOTATION]) ?? timeMs(claim.status?.boundTime);
}

export function decideClaim(facts: ClaimFacts): ClaimDecision {
  const { claim, pod, nowMs } = facts;
  const phase = claim.status?.phase;
  if (phase === 'Failed') return { kind: 'done' };
  if (phase === 'Expired') return pod === undefined ? { kind: 'done' } : { kind: 'expire', pod };
  const expires = expiryMs(claim, boundTimeMs(claim, pod));
  if (pod !== undefined) {
    if (expires !== undefined && expires <= nowMs) return { kind: 'expire', pod };
    return { kind: 'bound', pod, expiresInMs: expires === undefined ? undefined : expires - nowMs };
  }
  if (phase === 'Bound') {
    // The pod went: at its TTL (the pool controller ends reserved pods then too), or before it.
    return expires !== undefined && expires <= nowMs ? { kind: 'expire' } : { kind: 'fail', reason: 'PodDeleted' };
  }
  return facts.poolExists ? { kind: 'bind' } : { kind: 'fail', reason: 'PoolNotFound' };
}

function creationMs(claim: PodPoolClaim): number {
  return timeMs(claim.metadata.creationTimestamp as string | Date | undefined) ?? 0;
}

/**
 * Oldest first. creationTimestamp has whole seconds, so claims of the same second are ordered by
 * name, then uid: a stable order every replica and every reconcile agree on.
 */
export function bindingOrder(claims: readonly PodPoolClaim[]): PodPoolClaim[] {
  return [...claims].sort(
    (a, b) =>
      creationMs(a) - creationMs(b) ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '') ||
      (a.metadata.uid ?? '').localeCompare(b.metadata.uid ?? ''),
  );
}

export interface StatusInput {
  phase: ClaimPhase;
  reason: ClaimReason;
  message: string;
  pod?: V1Pod | undefined;
}

function boundCondition(
  previous: readonly Condition[] | undefined,
  input: StatusInput,
  generation: number | undefined,
  nowIso: string,
): Condition {
  const status = input.phase === 'Bound' ? 'True' : 'False';
  const before = previous?.find((condition) => condition.type === BOUND_CONDITION);
  const lastTransitionTime =
    before !== undefined && before.status === status && before.reason === input.reason ? before.lastTransitionTime : nowIso;
  const condition: Condition = { type: BOUND_CONDITION, status, reason: input.reason, message: input.message, lastTransitionTime };
  if (generation !== undefined) condition.observedGeneration = generation;
  return condition;
}

/**
 * The claim's next status. Pod facts come from `input.pod` when given; an Expired or Failed claim
 * keeps the pod name, node and bind time it last reported, so its history stays readable.
 */
export function claimStatus(claim: PodPoolClaim, input: StatusInput, nowIso: string): PodPoolClaimStatus {
  const previous = claim.status ?? {};
  const generation = claim.metadata.generation;
  const status: PodPoolClaimStatus = { phase: input.phase };
  const pod = input.pod;
  if (pod !== undefined) {
    const boundMs = boundTimeMs(claim, pod);
    if (pod.metadata?.name) status.podName = pod.metadata.name;
    if (pod.status?.podIP && input.phase === 'Bound') status.podIP = pod.status.podIP;
    if (pod.spec?.nodeName) status.nodeName = pod.spec.nodeName;
    if (boundMs !== undefined) status.boundTime = new Date(boundMs).toISOString();
  } else if (input.phase !== 'Pending') {
    for (const key of ['podName', 'nodeName', 'boundTime'] as const) if (previous[key] !== undefined) status[key] = previous[key];
  }
  if (generation !== undefined) status.observedGeneration = generation;
  status.conditions = [boundCondition(previous.conditions, input, generation, nowIso)];
  return status;
}

/** Field by field, so a status the API server echoed back with another key order is no change. */
export function claimStatusChanged(before: PodPoolClaimStatus | undefined, after: PodPoolClaimStatus): boolean {
  const keys = ['phase', 'podName', 'podIP', 'nodeName', 'boundTime', 'observedGeneration'] as const;
  if (keys.some((key) => before?.[key] !== after[key])) return true;
  const [was] = before?.conditions ?? [];
  const [now] = after.conditions ?? [];
  return (
    (before?.conditions?.length ?? 0) !== (after.conditions?.length ?? 0) ||
    was?.type !== now?.type ||
    was?.status !== now?.status ||
    was?.reason !== now?.reason ||
    was?.message !== now?.message ||
    was?.observedGeneration !== now?.observedGeneration
  );
}
