/**
 * The few facts about a pod that pool logic needs, read from a Kubernetes Pod object.
 * Keeping the pure core on this small shape lets tests and the simulator build pods cheaply.
 */
import { RESERVED_AT_ANNOTATION } from '../api/labels.js';

export interface PodView {
  name: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  createdMs: number;
  /** Set once the pod is being deleted. */
  deletingMs?: number | undefined;
  phase: string;
  ready: boolean;
  /** When the Ready condition last became True. */
  readySinceMs?: number | undefined;
}

interface PodLike {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: Date | string;
    deletionTimestamp?: Date | string;
  };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: Date | string }>;
  };
}

function toMs(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The pod's Ready condition: the first of that type, as every reader of readiness takes it. */
export function readyConditionOf(pod: PodLike): NonNullable<NonNullable<PodLike['status']>['conditions']>[number] | undefined {
  return pod.status?.conditions?.find((condition) => condition.type === 'Ready');
}

export function podView(pod: PodLike): PodView {
  const readyCondition = readyConditionOf(pod);
  const ready = readyCondition?.status === 'True';
  return {
    name: pod.metadata?.name ?? '',
    labels: pod.metadata?.labels ?? {},
    annotations: pod.metadata?.annotations ?? {},
    createdMs: toMs(pod.metadata?.creationTimestamp) ?? 0,
    deletingMs: toMs(pod.metadata?.deletionTimestamp),
    phase: pod.status?.phase ?? 'Pending',
    ready,
    readySinceMs: ready ? toMs(readyCondition?.lastTransitionTime) : undefined,
  };
}

export function reservedAtMs(pod: PodView): number | undefined {
  return toMs(pod.annotations[RESERVED_AT_ANNOTATION]);
}
