/**
 * In-memory doubles of the reservation API's own interfaces: an "API server" holding the
 * authoritative pods with resourceVersion checks, and a cache that lags behind it until synced.
 */
import type { V1Pod } from '@kubernetes/client-node';
import {
  POOL_LABEL,
  RESERVATION_TTL_ANNOTATION,
  RESERVED_AT_ANNOTATION,
  RESERVED_BY_ANNOTATION,
  RESERVED_BY_CALLER_ANNOTATION,
  STATE_LABEL,
} from '../../../src/api/labels.js';
import { poolKey, type PoolKey } from '../../../src/api/pool-key.js';
import type { PodPool } from '../../../src/api/schema.js';
import type { AccessDecision, AccessRequest, Authenticator } from '../../../src/reservations/auth.js';
import type { PodChangeListener, ReservationPodSource } from '../../../src/reservations/pod-source.js';
import type { ReservationPodWriter, ReservationWrite, ReservationWriteResult } from '../../../src/reservations/reserve.js';

export const NAMESPACE = 'team-a';
export const POOL = 'sandboxes';

export function readyPod(name: string, pool = POOL, resourceVersion = '1'): V1Pod {
  return {
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: `uid-${name}`,
      resourceVersion,
      labels: { [POOL_LABEL]: pool, [STATE_LABEL]: 'ready' },
      annotations: {},
      ownerReferences: [{ apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', name: pool, uid: 'pool-uid' }],
    },
    spec: { containers: [], nodeName: `node-${name}` },
    status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

export function warmingPod(name: string): V1Pod {
  const pod = readyPod(name);
  pod.status = { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] };
  pod.metadata!.labels![STATE_LABEL] = 'warming';
  return pod;
}

function key(pod: V1Pod): string {
  return `${pod.metadata!.namespace}/${pod.metadata!.name}`;
}

export class FakeCluster implements ReservationPodSource, ReservationPodWriter {
  /** The API server's view. */
  readonly server = new Map<string, V1Pod>();
  /** The informer cache's view. */
  private readonly cached = new Map<string, V1Pod>();
  private readonly pools = new Map<PoolKey, PodPool>();
  private readonly listeners: PodChangeListener[] = [];
  private version = 100;
  synced = true;
  /** When true every server write reaches the cache at once; otherwise call syncCache(). */
  autoSync = true;
  writes: ReservationWrite[] = [];
  deletes: string[] = [];
  failNextWrite: Error | undefined;
  /** Resolved by the test to let the next reservation write finish (a slow API server). */
  holdNextWrite: Promise<void> | undefined;

  constructor(poolNames: string[] = [POOL]) {
    for (const name of poolNames) this.addPool(name);
  }

  addPool(name: string): void {
    this.pools.set(poolKey(NAMESPACE, name), { metadata: { name, namespace: NAMESPACE } } as unknown as PodPool);
  }

  deletePool(name: string): void {
    this.pools.delete(poolKey(NAMESPACE, name));
  }

  /** Creates or updates a pod on the server (bumping its version) and, with autoSync, in the cache. */
  put(pod: V1Pod): V1Pod {
    const stored = structuredClone(pod);
    stored.metadata!.resourceVersion = String((this.version += 1));
    this.server.set(key(stored), stored);
    if (this.autoSync) this.syncPod(key(stored));
    return stored;
  }

  syncCache(): void {
    for (const podKey of new Set([...this.server.keys(), ...this.cached.keys()])) this.syncPod(podKey);
  }

  private syncPod(podKey: string): void {
    const pod = this.server.get(podKey);
    const previous = this.cached.get(podKey);
    const meta = (pod ?? previous)!.metadata!;
    if (pod === undefined) this.cached.delete(podKey);
    else if (previous?.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    else this.cached.set(podKey, structuredClone(pod));
    const change = pod === undefined ? { previousPod: previous } : { pod: structuredClone(pod), previousPod: previous };
    for (const listener of this.listeners) listener(poolKey(meta.namespace ?? '', meta.labels?.[POOL_LABEL] ?? ''), change);
  }

  // ReservationPodSource
  getPool(namespace: string, name: string): PodPool | undefined {
    return this.pools.get(poolKey(namespace, name));
  }
  podsOf(namespace: string, poolName: string): V1Pod[] {
    return [...this.cached.values()].filter(
      (pod) => pod.metadata?.namespace === namespace && pod.metadata.labels?.[POOL_LABEL] === poolName,
    );
  }
  hasSynced(): boolean {
    return this.synced;
  }
  onChange(listener: PodChangeListener): void {
    this.listeners.push(listener);
  }

  // ReservationPodWriter
  async reserve(write: ReservationWrite): Promise<ReservationWriteResult> {
    await Promise.resolve();
    const hold = this.holdNextWrite;
    this.holdNextWrite = undefined;
    if (hold !== undefined) await hold;
    this.writes.push(write);
    if (this.failNextWrite) {
      const error = this.failNextWrite;
      this.failNextWrite = undefined;
      throw error;
    }
    const current = this.server.get(`${write.namespace}/${write.podName}`);
    if (current === undefined) return { kind: 'gone' };
    if (current.metadata!.resourceVersion !== write.resourceVersion) return { kind: 'conflict' };
    const next = structuredClone(current);
    next.metadata!.labels = { ...next.metadata!.labels, ...write.handOver?.labels, [STATE_LABEL]: 'reserved' };
    next.metadata!.annotations = {
      ...next.metadata!.annotations,
      ...write.handOver?.annotations,
      [RESERVED_BY_ANNOTATION]: write.user,
      [RESERVED_BY_CALLER_ANNOTATION]: write.caller,
      [RESERVED_AT_ANNOTATION]: write.reservedAt,
      ...(write.ttlSeconds === undefined ? {} : { [RESERVATION_TTL_ANNOTATION]: String(write.ttlSeconds) }),
    };
    if (write.handOver === undefined) delete next.metadata!.ownerReferences;
    else next.metadata!.ownerReferences = [write.handOver.owner];
    return { kind: 'reserved', pod: this.put(next) };
  }
  async read(namespace: string, podName: string): Promise<V1Pod | undefined> {
    return structuredClone(this.server.get(`${namespace}/${podName}`));
  }
  async delete(namespace: string, podName: string, uid: string): Promise<'deleted' | 'gone'> {
    const podKey = `${namespace}/${podName}`;
    const current = this.server.get(podKey);
    if (current === undefined || current.metadata!.uid !== uid) return 'gone';
    this.server.delete(podKey);
    this.deletes.push(podName);
    if (this.autoSync) this.syncPod(podKey);
    return 'deleted';
  }

  reservedOnServer(): V1Pod[] {
    return [...this.server.values()].filter((pod) => pod.metadata?.labels?.[STATE_LABEL] === 'reserved');
  }
}

/** Tokens map to users; `grants` lists "user verb namespace/pool" permissions. */
export class FakeAuthenticator implements Authenticator {
  calls = 0;
  readonly accesses: AccessRequest[] = [];
  constructor(
    private readonly users: Record<string, string>,
    private readonly grants: string[],
  ) {}
  async check(token: string, access: AccessRequest): Promise<AccessDecision> {
    this.calls += 1;
    this.accesses.push(access);
    const username = this.users[token];
    if (username === undefined) return { kind: 'unauthenticated', reason: 'unknown token' };
    const user = { username, groups: [] };
    return this.grants.includes(`${username} ${access.verb} ${access.namespace}/${access.pool}`)
      ? { kind: 'allowed', user }
      : { kind: 'forbidden', user, reason: 'no RBAC rule' };
  }
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
