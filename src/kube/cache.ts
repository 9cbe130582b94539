/**
 * The one informer cache of the process: PodPools and pool pods (label podpool.dev/pool) in all
 * namespaces. Every role reads from it; the controller subscribes to its changes.
 */
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig, type KubernetesListObject, type V1Pod } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';
import { poolKey, type PoolKey } from '../api/pool-key.js';
import type { Logger } from '../log.js';
import { ResilientInformer } from './informer.js';
import { cachedPod } from './cached-pod.js';
import { LIST_PAGE_SIZE, listInPages } from './paged-list.js';
import type { PodPoolReader } from './pool-reader.js';

type PodPoolObject = PodPool & { metadata: { name: string; namespace: string } };

export type PoolChangeListener = (key: PoolKey, change: { pool?: PodPool; pod?: V1Pod; previousPod?: V1Pod }) => void;

export class ClusterCache implements PodPoolReader {
  readonly pools: ResilientInformer<PodPoolObject>;
  readonly pods: ResilientInformer<V1Pod>;
  private readonly podsByPool = new Map<PoolKey, Map<string, V1Pod>>();
  /** namespace/podName -> the pool it is indexed under, so a relabelled pod moves between pools. */
  private readonly poolOfPod = new Map<string, PoolKey>();
  private readonly listeners: PoolChangeListener[] = [];

  constructor(kubeConfig: KubeConfig, log: Logger) {
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const watch = new Watch(kubeConfig);
    this.pools = new ResilientInformer<PodPoolObject>(
      'podpools',
      {
        path: `/apis/${API_GROUP}/${API_VERSION}/${PLURAL}`,
        list: async () =>
          (await custom.listClusterCustomObject({
            group: API_GROUP,
            version: API_VERSION,
            plural: PLURAL,
          })) as KubernetesListObject<PodPoolObject>,
        watch,
      },
      {
        onAdd: (pool) => this.emitPool(pool),
        onUpdate: (pool) => this.emitPool(pool),
        onDelete: (pool) => this.emit(poolKey(pool.metadata.namespace, pool.metadata.name), {}),
      },
      log,
    );
    this.pods = new ResilientInformer<V1Pod>(
      'pods',
      {
        path: '/api/v1/pods',
        list: () => listInPages((page) => core.listPodForAllNamespaces({ labelSelector: POOL_LABEL, ...page }), LIST_PAGE_SIZE, cachedPod),
        watch,
        transform: cachedPod,
        labelSelector: POOL_LABEL,
      },
      {
        onAdd: (pod) => this.indexPod(pod),
        onUpdate: (pod) => this.indexPod(pod),
        onDelete: (pod) => this.unindexPod(pod),
      },
      log,
    );
  }

  async start(): Promise<void> {
    await Promise.all([this.pools.start(), this.pods.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.pools.stop(), this.pods.stop()]);
  }

  onChange(listener: PoolChangeListener): void {
    this.listeners.push(listener);
  }

  getPool(namespace: string, name: string): PodPool | undefined {
    return this.pools.get(name, namespace);
  }

  listPools(): readonly PodPool[] {
    return this.pools.list();
  }

  hasSynced(): boolean {
    return this.pools.hasSynced() && this.pods.hasSynced();
  }

  healthy(): { ok: boolean; detail: string } {
    const checks = [this.pools.healthy(), this.pods.healthy()];
    return { ok: checks.every((c) => c.ok), detail: checks.map((c) => c.detail).join('; ') };
  }

  /** Every pod carrying the pool's label, reserved ones included. */
  podsOf(namespace: string, name: string): V1Pod[] {
    return [...(this.podsByPool.get(poolKey(namespace, name))?.values() ?? [])];
  }

  private emitPool(pool: PodPoolObject): void {
    this.emit(poolKey(pool.metadata.namespace, pool.metadata.name), { pool });
  }

  private emit(key: PoolKey, change: Parameters<PoolChangeListener>[1]): void {
    for (const listener of this.listeners) listener(key, change);
  }

  private keyOfPod(pod: V1Pod): PoolKey | undefined {
    const pool = pod.metadata?.labels?.[POOL_LABEL];
    return pool === undefined || pod.metadata?.namespace === undefined ? undefined : poolKey(pod.metadata.namespace, pool);
  }

  private indexPod(pod: V1Pod): void {
    const key = this.keyOfPod(pod);
    const name = pod.metadata?.name;
    if (key === undefined || name === undefined) return;
    const podKey = `${pod.metadata?.namespace}/${name}`;
    const previousKey = this.poolOfPod.get(podKey);
    if (previousKey !== undefined && previousKey !== key) this.podsByPool.get(previousKey)?.delete(name);
    this.poolOfPod.set(podKey, key);
    let pods = this.podsByPool.get(key);
    if (pods === undefined) this.podsByPool.set(key, (pods = new Map()));
    const previousPod = pods.get(name);
    pods.set(name, pod);
    this.emit(key, { pod, previousPod });
  }

  private unindexPod(pod: V1Pod): void {
    const key = this.keyOfPod(pod);
    const name = pod.metadata?.name;
    if (key === undefined || name === undefined) return;
    this.poolOfPod.delete(`${pod.metadata?.namespace}/${name}`);
    const pods = this.podsByPool.get(key);
    const previousPod = pods?.get(name);
    pods?.delete(name);
    if (pods?.size === 0) this.podsByPool.delete(key);
    this.emit(key, { previousPod });
  }
}
