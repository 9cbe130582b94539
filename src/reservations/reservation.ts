/** A reserved pod as the API reports it, read from the pod's labels, annotations and status. */
import type { V1Pod } from '@kubernetes/client-node';
import { POOL_LABEL, RESERVATION_TTL_ANNOTATION, RESERVED_AT_ANNOTATION, RESERVED_BY_ANNOTATION } from '../api/labels.js';
import { classifyPod, type PodClass } from '../pool/classify.js';
import { readyConditionOf } from '../pool/pod-view.js';

export interface Reservation {
  pod: string;
  namespace: string;
  pool: string;
  user: string;
  /** RFC 3339 with milliseconds. */
  reservedAt: string;
  ttlSeconds?: number;
  ip?: string;
  node?: string;
}

/**
 * classifyPod's answer read straight off the object: every reservation asks it of every pod in the
 * pool, reserved ones included, and a full podView (which parses timestamps) made that a third of
 * the reservation's own CPU in a pool of 500 pods.
 */
function podClass(pod: V1Pod): PodClass {
  return classifyPod({
    labels: pod.metadata?.labels ?? {},
    deletingMs: pod.metadata?.deletionTimestamp === undefined ? undefined : 0,
    phase: pod.status?.phase ?? 'Pending',
    ready: readyConditionOf(pod)?.status === 'True',
  });
}

export function isReservable(pod: V1Pod): boolean {
  return podClass(pod) === 'ready';
}

export function isReserved(pod: V1Pod): boolean {
  return podClass(pod) === 'reserved';
}

export function reservationOf(pod: V1Pod): Reservation {
  const annotations = pod.metadata?.annotations ?? {};
  const ttl = Number(annotations[RESERVATION_TTL_ANNOTATION]);
  const reservation: Reservation = {
    pod: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    pool: pod.metadata?.labels?.[POOL_LABEL] ?? '',
    user: annotations[RESERVED_BY_ANNOTATION] ?? '',
    reservedAt: annotations[RESERVED_AT_ANNOTATION] ?? '',
  };
  if (Number.isInteger(ttl) && ttl > 0) reservation.ttlSeconds = ttl;
  if (pod.status?.podIP) reservation.ip = pod.status.podIP;
  if (pod.spec?.nodeName) reservation.node = pod.spec.nodeName;
  return reservation;
}
