/** In-memory doubles for the claim controller: a claim store that is also its cache, a status writer, events. */
import { ApiException, type V1ObjectReference } from '@kubernetes/client-node';
import type { PodPoolClaim, PodPoolClaimStatus } from '../../../src/api/claim-schema.js';
import type { ClaimSource } from '../../../src/claims/claim-cache.js';
import type { ClaimStatusWriter } from '../../../src/claims/kube-claim-writer.js';
import { poolKey, type PoolKey } from '../../../src/api/pool-key.js';
import type { EventRecorder, EventType } from '../../../src/kube/events.js';
import { NAMESPACE, POOL } from '../reservations/fakes.js';

export class FakeClaims implements ClaimSource, ClaimStatusWriter {
  private readonly claims = new Map<string, PodPoolClaim>();
  private version = 1;
  writes: Array<{ name: string; status: PodPoolClaimStatus }> = [];
  /** Status writes answer 409 this many more times. */
  conflictsLeft = 0;

  add(name: string, options: { created?: string; spec?: Partial<PodPoolClaim['spec']> } = {}): PodPoolClaim {
    const claim: PodPoolClaim = {
      apiVersion: 'podpool.dev/v1alpha1',
      kind: 'PodPoolClaim',
      metadata: {
        name,
        namespace: NAMESPACE,
        uid: `uid-${name}`,
        generation: 1,
        resourceVersion: String((this.version += 1)),
        creationTimestamp: (options.created ?? '2026-11-24T13:00:00Z') as unknown as Date,
      },
      spec: { poolName: POOL, ...options.spec },
    };
    this.claims.set(name, claim);
    return claim;
  }

  get(name: string): PodPoolClaim | undefined {
    return this.claims.get(name);
  }

  delete(name: string): void {
    this.claims.delete(name);
  }

  claimsOf(namespace: string, pool: string): PodPoolClaim[] {
    return [...this.claims.values()]
      .filter((claim) => claim.metadata.namespace === namespace && claim.spec.poolName === pool)
      .map((claim) => structuredClone(claim));
  }
  hasClaims(key: PoolKey): boolean {
    return this.poolKeys().includes(key);
  }
  poolKeys(): PoolKey[] {
    return [...new Set([...this.claims.values()].map((claim) => poolKey(claim.metadata.namespace ?? '', claim.spec.poolName)))];
  }
  hasSynced(): boolean {
    return true;
  }

  async writeStatus(claim: PodPoolClaim, status: PodPoolClaimStatus): Promise<'written' | 'gone'> {
    const stored = this.claims.get(claim.metadata.name ?? '');
    if (stored === undefined) return 'gone';
    if (this.conflictsLeft > 0 || stored.metadata.resourceVersion !== claim.metadata.resourceVersion) {
      this.conflictsLeft = Math.max(0, this.conflictsLeft - 1);
      throw new ApiException(409, 'conflict', {}, {});
    }
    stored.status = structuredClone(status);
    stored.metadata.resourceVersion = String((this.version += 1));
    this.writes.push({ name: claim.metadata.name ?? '', status });
    return 'written';
  }

  async readClaim(_namespace: string, name: string): Promise<PodPoolClaim | undefined> {
    return structuredClone(this.claims.get(name));
  }

  phaseOf(name: string): string | undefined {
    return this.claims.get(name)?.status?.phase;
  }
}

export class FakeEvents implements EventRecorder {
  readonly recorded: Array<{ name: string | undefined; type: EventType; reason: string }> = [];
  record(object: V1ObjectReference, type: EventType, reason: string): void {
    this.recorded.push({ name: object.name, type, reason });
  }
}
