/**
 * Pods this process has just written (or lost a race for), remembered by the resourceVersion the
 * cache showed at the time. Until the cache shows a newer version of the pod it is stale for us:
 * either we reserved it and the watch has not caught up, or another replica did. Skipping those
 * pods saves a doomed write; correctness never depends on this map, since every write is guarded
 * by the resourceVersion it was computed from.
 */
export const DEFAULT_CLAIM_TTL_MS = 30_000;

interface Claim {
  resourceVersion: string;
  expiresMs: number;
}

export class PodClaims {
  private readonly claims = new Map<string, Claim>();

  constructor(private readonly ttlMs = DEFAULT_CLAIM_TTL_MS) {}

  claim(podKey: string, resourceVersion: string, nowMs: number): void {
    this.claims.set(podKey, { resourceVersion, expiresMs: nowMs + this.ttlMs });
  }

  release(podKey: string): void {
    this.claims.delete(podKey);
  }

  /** True while the cache still shows the version we claimed (and the claim has not expired). */
  isClaimed(podKey: string, resourceVersion: string | undefined, nowMs: number): boolean {
    const claim = this.claims.get(podKey);
    if (claim === undefined) return false;
    if (claim.expiresMs <= nowMs || claim.resourceVersion !== resourceVersion) {
      this.claims.delete(podKey);
      return false;
    }
    return true;
  }

  /** The cache saw the pod change (or go): whatever we claimed is now visible there. */
  observe(podKey: string, resourceVersion: string | undefined): void {
    const claim = this.claims.get(podKey);
    if (claim !== undefined && claim.resourceVersion !== resourceVersion) this.claims.delete(podKey);
  }

  get size(): number {
    return this.claims.size;
  }
}
