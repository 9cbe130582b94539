/**
 * The reservation write: pick a ready pod in a spread order, patch it to reserved with the
 * resourceVersion the cache showed, and on a 409 move on to another pod. The cache is only
 * eventually consistent; atomicity comes from the guarded write (as in Agones' allocator).
 */
import type { V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import {
  API_GROUP,
  RESERVATION_TTL_ANNOTATION,
  RESERVED_AT_ANNOTATION,
  RESERVED_BY_ANNOTATION,
  RESERVED_BY_CALLER_ANNOTATION,
  STATE_LABEL,
} from '../api/labels.js';
import type { PodClaims } from './claims.js';
import { podKeyOf, type ReservationPodSource } from './pod-source.js';
import { isReservable } from './reservation.js';
import type { Clock } from '../clock.js';

/**
 * What a PodPoolClaim adds to the hand-over, in the same guarded write: the claim as the pod's
 * owner (so deleting the claim deletes the pod) and the claim's labels and annotations.
 */
export interface HandOver {
  owner: V1OwnerReference;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
}

export interface ReservationWrite {
  namespace: string;
  podName: string;
  /** The version the decision was made on; the API server rejects the write with 409 if it moved. */
  resourceVersion: string;
  user: string;
  /** The authenticated Kubernetes username of the caller; only it may release the pod again. */
  caller: string;
  /** RFC 3339 with milliseconds. */
  reservedAt: string;
  ttlSeconds?: number | undefined;
  handOver?: HandOver | undefined;
}

export type ReservationWriteResult = { kind: 'reserved'; pod: V1Pod } | { kind: 'conflict' } | { kind: 'gone' };

/** The writes the reservation API makes to pods; a Kubernetes client in production, an in-memory double in tests. */
export interface ReservationPodWriter {
  reserve(write: ReservationWrite): Promise<ReservationWriteResult>;
  /** An authoritative read (not the cache); undefined when the pod does not exist. */
  read(namespace: string, podName: string): Promise<V1Pod | undefined>;
  /** Deletes the pod only if it still has this uid. */
  delete(namespace: string, podName: string, uid: string): Promise<'deleted' | 'gone'>;
}

/** A caller's own keys only: podpool's (podpool.dev/...) are never taken from a hand-over. */
function callerKeys(entries: Record<string, string> | undefined): Record<string, string> {
  const prefix = `${API_GROUP}/`;
  return Object.fromEntries(Object.entries(entries ?? {}).filter(([key]) => !key.startsWith(prefix) && !key.includes(`.${prefix}`)));
}

/**
 * The merge patch that reserves a pod. Replacing ownerReferences takes the pod out of the pool's
 * ownership, so neither a scale-down nor deleting the PodPool (garbage collection) removes it; a
 * claim's hand-over makes the claim the owner instead.
 */
export function reservationPatch(write: ReservationWrite): Record<string, unknown> {
  return {
    metadata: {
      resourceVersion: write.resourceVersion,
      labels: { ...callerKeys(write.handOver?.labels), [STATE_LABEL]: 'reserved' },
      annotations: {
        ...callerKeys(write.handOver?.annotations),
        [RESERVED_BY_ANNOTATION]: write.user,
        [RESERVED_BY_CALLER_ANNOTATION]: write.caller,
        [RESERVED_AT_ANNOTATION]: write.reservedAt,
        [RESERVATION_TTL_ANNOTATION]: write.ttlSeconds === undefined ? null : String(write.ttlSeconds),
      },
      ownerReferences: write.handOver === undefined ? null : [write.handOver.owner],
    },
  };
}

export interface ReserveRequest {
  namespace: string;
  pool: string;
  user: string;
  /** The authenticated Kubernetes username of the caller (never the asserted `user`). */
  caller: string;
  ttlSeconds?: number | undefined;
  handOver?: HandOver | undefined;
}

export type ReserveAttempt =
  | { kind: 'reserved'; pod: V1Pod; conflicts: number }
  | { kind: 'no-ready-pod'; conflicts: number }
  | { kind: 'contention'; conflicts: number };

export interface ReserveContext {
  source: Pick<ReservationPodSource, 'podsOf'>;
  writer: ReservationPodWriter;
  claims: PodClaims;
  maxConflicts: number;
  clock: Clock;
  random: () => number;
}

/** A ready pod of the pool that this process has not just claimed and this request has not tried. */
function isCandidate(pod: V1Pod, claims: PodClaims, tried: ReadonlySet<string>, nowMs: number): boolean {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  const resourceVersion = pod.metadata?.resourceVersion;
  if (!name || !namespace || !resourceVersion || tried.has(name)) return false;
  return isReservable(pod) && !claims.isClaimed(podKeyOf(namespace, name), resourceVersion, nowMs);
}

export function countReservableCandidates(pods: readonly V1Pod[], claims: PodClaims, tried: ReadonlySet<string>, nowMs: number): number {
  let count = 0;
  for (const pod of pods) if (isCandidate(pod, claims, tried, nowMs)) count += 1;
  return count;
}

export function hasReservableCandidate(pods: readonly V1Pod[], claims: PodClaims, tried: ReadonlySet<string>, nowMs: number): boolean {
  return pods.some((pod) => isCandidate(pod, claims, tried, nowMs));
}

/**
 * A candidate found from a random start, walking the pool's pods round: random enough to spread
 * concurrent callers (also on other replicas) over the ready pods, and it stops at the first one
 * instead of testing every pod of the pool (reserved pods included) on every call.
 */
export function pickReservableCandidate(
  pods: readonly V1Pod[],
  claims: PodClaims,
  tried: ReadonlySet<string>,
  nowMs: number,
  random: () => number,
): V1Pod | undefined {
  const start = Math.floor(random() * pods.length);
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[(start + i) % pods.length]!;
    if (isCandidate(pod, claims, tried, nowMs)) return pod;
  }
  return undefined;
}

/**
 * One pass over the pool's ready pods. `tried` carries the pods this request already lost (or
 * found gone) across passes, so a request never retries the same pod.
 */
export async function reserveReadyPod(context: ReserveContext, request: ReserveRequest, tried: Set<string>): Promise<ReserveAttempt> {
  let conflicts = 0;
  for (;;) {
    const pod = pickReservableCandidate(
      context.source.podsOf(request.namespace, request.pool),
      context.claims,
      tried,
      context.clock.now(),
      context.random,
    );
    if (pod === undefined) return { kind: 'no-ready-pod', conflicts };
    const podName = pod.metadata!.name!;
    const resourceVersion = pod.metadata!.resourceVersion!;
    const podKey = podKeyOf(request.namespace, podName);
    const nowMs = context.clock.now();
    context.claims.claim(podKey, resourceVersion, nowMs);
    let result: ReservationWriteResult;
    try {
      result = await context.writer.reserve({
        namespace: request.namespace,
        podName,
        resourceVersion,
        user: request.user,
        caller: request.caller,
        reservedAt: new Date(nowMs).toISOString(),
        ttlSeconds: request.ttlSeconds,
        handOver: request.handOver,
      });
    } catch (error) {
      // The guarded write makes a retry by anyone safe even if this one did land.
      context.claims.release(podKey);
      throw error;
    }
    if (result.kind === 'reserved') return { kind: 'reserved', pod: result.pod, conflicts };
    tried.add(podName);
    if (result.kind === 'conflict') {
      conflicts += 1;
      if (conflicts >= context.maxConflicts) return { kind: 'contention', conflicts };
    }
  }
}
