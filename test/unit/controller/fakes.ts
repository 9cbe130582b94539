/**
 * In-memory doubles of the controller's ports: an "API server" holding the authoritative pools
 * and pods with resourceVersion checks, a cache that lags behind it until synced, an event log
 * and a clock the test moves.
 */
import { ApiException, type V1ObjectReference, type V1Pod } from '@kubernetes/client-node';
import {
  POOL_LABEL,
  RESERVATION_TTL_ANNOTATION,
  RESERVED_AT_ANNOTATION,
  STATE_LABEL,
  TEMPLATE_HASH_LABEL,
} from '../../../src/api/labels.js';
import { poolKey, type PoolKey } from '../../../src/api/pool-key.js';
import type { PodPool, PodPoolSpec, PodPoolStatus } from '../../../src/api/schema.js';
import type { Clock } from '../../../src/clock.js';
import type { EventRecorder, PodDeleteOutcome, PodVersion, PodWriter, PoolCache, StatusWriter } from '../../../src/controller/ports.js';
import type { EventType } from '../../../src/kube/events.js';
import { templateHash } from '../../../src/pool/template-hash.js';
import { makeSpec } from '../support/spec.js';

export const NAMESPACE = 'team-a';
export const POOL = 'sandboxes';
export const KEY = poolKey(NAMESPACE, POOL);
export const POOL_UID = 'pool-uid';

export class FakeClock implements Clock {
  constructor(public ms = Date.parse('2026-01-05T10:00:00Z')) {}
  now(): number {
    return this.ms;
  }
}

export interface RecordedEvent {
  object: V1ObjectReference;
  type: EventType;
  reason: string;
  message: string;
}

export class FakeCluster implements PoolCache, PodWriter, StatusWriter, EventRecorder {
  /** The API server's view. */
  readonly pools = new Map<PoolKey, PodPool>();
  readonly pods = new Map<string, V1Pod>();
  /** The informer cache's view of the pods; pools are read through, as status writes need the newest. */
  private cachedPods = new Map<string, V1Pod>();
  private version = 100;
  private generated = 0;
  /** When true every server write reaches the cache at once; otherwise call syncCache(). */
  autoSync = true;
  readonly events: RecordedEvent[] = [];
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  readonly patched: Array<{ name: string; metadata: Record<string, unknown> }> = [];
  readonly statusWrites: PodPoolStatus[] = [];
  /** Writes that fail with this error; `creates` fail from the n-th create on (0: all). */
  failures: { creates?: { fromCreate: number; error: Error }; deletes?: Map<string, Error>; patches?: Map<string, Error> } = {};

  constructor(private readonly clock: FakeClock) {}

  addPool(spec: Partial<PodPoolSpec> = {}, name = POOL): PodPool {
    const pool: PodPool = {
      apiVersion: 'podpool.dev/v1alpha1',
      kind: 'PodPool',
      metadata: { name, namespace: NAMESPACE, uid: POOL_UID, generation: 1, resourceVersion: this.nextVersion() },
      spec: makeSpec(spec),
    };
    this.pools.set(poolKey(NAMESPACE, name), pool);
    return pool;
  }

  deletePool(name = POOL): void {
    this.pools.delete(poolKey(NAMESPACE, name));
  }

  pool(name = POOL): PodPool {
    const pool = this.pools.get(poolKey(NAMESPACE, name));
    if (pool === undefined) throw new Error(`no pool ${name}`);
    return pool;
  }

  /** A pod of the pool as the webhook would have stamped it, owned by the pool. */
  addPod(
    name: string,
    options: {
      state?: 'warming' | 'ready' | 'reserved';
      hash?: string;
      annotations?: Record<string, string>;
      createdMs?: number;
      owned?: boolean;
    } = {},
  ): V1Pod {
    const state = options.state ?? 'ready';
    const ready = state !== 'warming';
    const labels: Record<string, string> = { [POOL_LABEL]: POOL, [STATE_LABEL]: state };
    const hash = options.hash ?? templateHash(this.pool().spec.podTemplate);
    if (hash !== '') labels[TEMPLATE_HASH_LABEL] = hash;
    const createdMs = options.createdMs ?? this.clock.now() - 60_000;
    return this.put({
      metadata: {
        name,
        namespace: NAMESPACE,
        uid: `uid-${name}`,
        labels,
        annotations: options.annotations ?? {},
        creationTimestamp: new Date(createdMs),
        ...(options.owned === false
          ? {}
          : { ownerReferences: [{ apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', name: POOL, uid: POOL_UID, controller: true }] }),
      },
      spec: { containers: [] },
      status: {
        phase: ready ? 'Running' : 'Pending',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(createdMs + 20_000) }],
      },
    });
  }

  /** The pod turns Running and Ready now (the kubelet's doing). */
  markReady(name: string): void {
    const pod = structuredClone(this.mustGet(name));
    pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(this.clock.now()) }] };
    this.put(pod);
  }

  podsInState(state: string): string[] {
    return [...this.pods.values()]
      .filter((pod) => pod.metadata?.labels?.[STATE_LABEL] === state)
      .map((pod) => pod.metadata!.name!)
      .sort();
  }

  syncCache(): void {
    this.cachedPods = new Map([...this.pods].map(([name, pod]) => [name, structuredClone(pod)]));
  }

  condition(type: string): { status: string; reason: string; message: string } | undefined {
    return this.pool().status?.conditions?.find((condition) => condition.type === type);
  }

  // PoolCache
  getPool(namespace: string, name: string): PodPool | undefined {
    const pool = this.pools.get(poolKey(namespace, name));
    return pool === undefined ? undefined : structuredClone(pool);
  }
  listPools(): readonly PodPool[] {
    return [...this.pools.values()];
  }
  podsOf(namespace: string, poolName: string): V1Pod[] {
    return [...this.cachedPods.values()].filter(
      (pod) => pod.metadata?.namespace === namespace && pod.metadata.labels?.[POOL_LABEL] === poolName,
    );
  }
  onChange(): void {}

  // PodWriter
  async createPod(namespace: string, pod: V1Pod): Promise<string> {
    await Promise.resolve();
    const creates = this.failures.creates;
    if (creates !== undefined && this.created.length >= creates.fromCreate) throw creates.error;
    const name = `${pod.metadata?.generateName ?? ''}${(this.generated += 1)}`;
    this.created.push(name);
    const created = structuredClone(pod);
    created.metadata = { ...created.metadata, name, namespace, uid: `uid-${name}`, creationTimestamp: new Date(this.clock.now()) };
    created.status = { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] };
    this.put(created);
    return name;
  }

  async deletePod(namespace: string, name: string, version: PodVersion): Promise<PodDeleteOutcome> {
    await Promise.resolve();
    const failure = this.failures.deletes?.get(name);
    if (failure !== undefined) throw failure;
    const current = this.pods.get(name);
    if (current === undefined || current.metadata?.namespace !== namespace) return 'gone';
    if (current.metadata.uid !== version.uid || current.metadata.resourceVersion !== version.resourceVersion) return 'changed';
    this.pods.delete(name);
    this.deleted.push(name);
    if (this.autoSync) this.cachedPods.delete(name);
    return 'deleted';
  }

  async patchPodMetadata(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    metadata: Record<string, unknown>,
  ): Promise<boolean> {
    await Promise.resolve();
    const failure = this.failures.patches?.get(name);
    if (failure !== undefined) throw failure;
    const current = this.pods.get(name);
    if (current === undefined || current.metadata?.resourceVersion !== resourceVersion) return false;
    this.patched.push({ name, metadata });
    const next = structuredClone(current);
    const meta = next.metadata!;
    const { labels, annotations, ownerReferences } = metadata as {
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      ownerReferences?: unknown;
    };
    if (labels !== undefined) meta.labels = { ...meta.labels, ...labels };
    if (annotations !== undefined) meta.annotations = { ...meta.annotations, ...annotations };
    if (ownerReferences === null) delete meta.ownerReferences;
    else if (ownerReferences !== undefined) meta.ownerReferences = ownerReferences as NonNullable<V1Pod['metadata']>['ownerReferences'];
    this.put(next);
    return true;
  }

  // StatusWriter
  async writeStatus(pool: PodPool, status: PodPoolStatus): Promise<'written' | 'gone'> {
    await Promise.resolve();
    const current = this.pools.get(poolKey(pool.metadata.namespace ?? '', pool.metadata.name ?? ''));
    if (current === undefined) return 'gone';
    if (current.metadata.resourceVersion !== pool.metadata.resourceVersion)
      throw new ApiException(409, 'Conflict', 'the object has been modified', {});
    this.statusWrites.push(status);
    current.status = { ...current.status, ...structuredClone(status) };
    current.metadata.resourceVersion = this.nextVersion();
    return 'written';
  }

  // EventRecorder
  record(object: V1ObjectReference, type: EventType, reason: string, message: string): void {
    this.events.push({ object, type, reason, message });
  }

  eventReasons(): string[] {
    return this.events.map((event) => event.reason);
  }

  private put(pod: V1Pod): V1Pod {
    const stored = structuredClone(pod);
    stored.metadata!.resourceVersion = this.nextVersion();
    this.pods.set(stored.metadata!.name!, stored);
    if (this.autoSync) this.cachedPods.set(stored.metadata!.name!, structuredClone(stored));
    return stored;
  }

  private mustGet(name: string): V1Pod {
    const pod = this.pods.get(name);
    if (pod === undefined) throw new Error(`no pod ${name}`);
    return pod;
  }

  private nextVersion(): string {
    return String((this.version += 1));
  }
}

/** A reserved pod as the reservation API leaves it: out of the pool's ownership, with reserved-at. */
export function reservedAnnotations(reservedAtMs: number, ttlSeconds?: number): Record<string, string> {
  return {
    [RESERVED_AT_ANNOTATION]: new Date(reservedAtMs).toISOString(),
    ...(ttlSeconds === undefined ? {} : { [RESERVATION_TTL_ANNOTATION]: String(ttlSeconds) }),
  };
}
