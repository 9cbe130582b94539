/**
 * What the controller needs from the world, each port as narrow as its callers: the reconciler
 * reads pools and pods, writes pods and status, and records events. The Kubernetes
 * implementations live elsewhere (kube/cache.ts, kube-pool-writer.ts, kube/events.ts); tests hand
 * in fakes.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { PoolKey } from '../api/pool-key.js';
import type { PodPool, PodPoolStatus } from '../api/schema.js';

/** The informer cache as the reconcile reads it. */
export interface PoolReader {
  getPool(namespace: string, name: string): PodPool | undefined;
  /** Every pod carrying the pool's label, reserved ones included. */
  podsOf(namespace: string, poolName: string): V1Pod[];
}

/** The informer cache as the controller loop sees it: what to reconcile, and when again. */
export interface PoolCache extends PoolReader {
  listPools(): readonly PodPool[];
  onChange(listener: (key: PoolKey) => void): void;
}

/** PodPoolClaims waiting for a pod: back-orders the engine sizes the pool for on top of demand. */
export interface WaitingClaims {
  waitingFor(key: PoolKey): number;
}

/** Which pod a guarded write is for: the exact object the decision was computed from. */
export interface PodVersion {
  uid?: string | undefined;
  resourceVersion?: string | undefined;
}

export type PodDeleteOutcome = 'deleted' | 'gone' | 'changed';

export interface PodWriter {
  /** Creates the pod; answers the name the API server generated. */
  createPod(namespace: string, pod: V1Pod): Promise<string>;
  /** Deletes the pod only if it is still the version given: one reserved meanwhile is left alone ('changed'). */
  deletePod(namespace: string, name: string, version: PodVersion): Promise<PodDeleteOutcome>;
  /** Merge-patches metadata under a resourceVersion guard; false when the pod changed or went meanwhile. */
  patchPodMetadata(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    metadata: Record<string, unknown>,
  ): Promise<boolean>;
}

export interface StatusWriter {
  /** Writes status guarded by the pool's resourceVersion (a conflict rejects); 'gone' when the pool was deleted meanwhile. */
  writeStatus(pool: PodPool, status: PodPoolStatus): Promise<'written' | 'gone'>;
}

/** Events: the one port shared with the claim controller, so it lives beside its implementation. */
export type { EventRecorder } from '../kube/events.js';
