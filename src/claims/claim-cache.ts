/**
 * PodPoolClaims in all namespaces, from one list+watch, indexed by the pool they name. Kept apart
 * from the ClusterCache: readiness does not wait for it, so an operator upgraded before the
 * PodPoolClaim CRD is installed still serves pools (it logs the failing watch and retries).
 */
import { CustomObjectsApi, Watch, type KubeConfig, type KubernetesListObject } from '@kubernetes/client-node';
import { CLAIM_PLURAL, type PodPoolClaim } from '../api/claim-schema.js';
import { API_GROUP, API_VERSION } from '../api/labels.js';
import { poolKey, type PoolKey } from '../api/pool-key.js';
import { ResilientInformer, type InformerSource } from '../kube/informer.js';
import type { Logger } from '../log.js';

type ClaimObject = PodPoolClaim & { metadata: { name: string; namespace: string } };

/** Called with the `namespace/pool` key of the pool a claim names, on every change of the claim. */
export type ClaimChangeListener = (key: PoolKey) => void;

export interface ClaimSource {
  /** The claims naming this pool, in its namespace. */
  claimsOf(namespace: string, pool: string): PodPoolClaim[];
  hasClaims(key: PoolKey): boolean;
  /** Every `namespace/pool` some claim names. */
  poolKeys(): PoolKey[];
  hasSynced(): boolean;
}

function poolKeyOfClaim(claim: PodPoolClaim): PoolKey {
  return poolKey(claim.metadata.namespace ?? '', claim.spec.poolName);
}

export function claimSourceOf(kubeConfig: KubeConfig): InformerSource<ClaimObject> {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return {
    path: `/apis/${API_GROUP}/${API_VERSION}/${CLAIM_PLURAL}`,
    list: async () =>
      (await custom.listClusterCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        plural: CLAIM_PLURAL,
      })) as KubernetesListObject<ClaimObject>,
    watch: new Watch(kubeConfig),
  };
}

export class ClaimCache implements ClaimSource {
  private readonly informer: ResilientInformer<ClaimObject>;
  private readonly byPool = new Map<PoolKey, Map<string, PodPoolClaim>>();
  /** namespace/name -> pool key, so a claim is found where it was indexed. */
  private readonly poolOfClaim = new Map<string, PoolKey>();
  private readonly listeners: ClaimChangeListener[] = [];

  constructor(source: InformerSource<ClaimObject>, log: Logger) {
    this.informer = new ResilientInformer<ClaimObject>(
      CLAIM_PLURAL,
      source,
      { onAdd: (claim) => this.index(claim), onUpdate: (claim) => this.index(claim), onDelete: (claim) => this.unindex(claim) },
      log,
    );
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  onChange(listener: ClaimChangeListener): void {
    this.listeners.push(listener);
  }

  claimsOf(namespace: string, pool: string): PodPoolClaim[] {
    return [...(this.byPool.get(poolKey(namespace, pool))?.values() ?? [])];
  }

  /** Claims of the pool still waiting for a pod (not bound, not finished, not being deleted). */
  waitingFor(key: PoolKey): number {
    let waiting = 0;
    for (const claim of this.byPool.get(key)?.values() ?? []) {
      const phase = claim.status?.phase;
      if ((phase === undefined || phase === 'Pending') && claim.metadata.deletionTimestamp === undefined) waiting += 1;
    }
    return waiting;
  }

  hasClaims(key: PoolKey): boolean {
    return this.byPool.has(key);
  }

  poolKeys(): PoolKey[] {
    return [...this.byPool.keys()];
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  healthy(): { ok: boolean; detail: string } {
    return this.informer.healthy();
  }

  private index(claim: ClaimObject): void {
    const claimKey = `${claim.metadata.namespace}/${claim.metadata.name}`;
    const key = poolKeyOfClaim(claim);
    const previousKey = this.poolOfClaim.get(claimKey);
    if (previousKey !== undefined && previousKey !== key) this.remove(previousKey, claim.metadata.name);
    this.poolOfClaim.set(claimKey, key);
    let claims = this.byPool.get(key);
    if (claims === undefined) this.byPool.set(key, (claims = new Map()));
    claims.set(claim.metadata.name, claim);
    this.emit(key);
  }

  private unindex(claim: ClaimObject): void {
    const claimKey = `${claim.metadata.namespace}/${claim.metadata.name}`;
    const key = this.poolOfClaim.get(claimKey) ?? poolKeyOfClaim(claim);
    this.poolOfClaim.delete(claimKey);
    this.remove(key, claim.metadata.name);
    this.emit(key);
  }

  private remove(key: PoolKey, name: string): void {
    const claims = this.byPool.get(key);
    claims?.delete(name);
    if (claims?.size === 0) this.byPool.delete(key);
  }

  private emit(key: PoolKey): void {
    for (const listener of this.listeners) listener(key);
  }
}
