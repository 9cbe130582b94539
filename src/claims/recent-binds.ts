/**
 * Pods this process has just handed to claims, until the cache shows them: a claim whose pod the
 * watch has not delivered yet must not be bound a second time. Entries go once the cache shows
 * the pod, or after `ttlMs` (by then the watch has long caught up, or the pod is gone).
 *
 * Across leader changes no memory is needed: a new leader takes the lease only after the old one
 * released it or its lease ran out (15 s), far longer than a watch takes to deliver a write.
 */
import type { V1Pod } from '@kubernetes/client-node';

export const RECENT_BIND_TTL_MS = 60_000;

export class RecentBinds {
  private readonly binds = new Map<string, { pod: V1Pod; atMs: number }>();

  constructor(private readonly ttlMs = RECENT_BIND_TTL_MS) {}

  remember(claimUid: string, pod: V1Pod, nowMs: number): void {
    // Entries of claims deleted before their pod reached the cache are never asked for again.
    for (const [uid, bind] of this.binds) if (nowMs - bind.atMs >= this.ttlMs) this.binds.delete(uid);
    this.binds.set(claimUid, { pod, atMs: nowMs });
  }

  get(claimUid: string, nowMs: number): V1Pod | undefined {
    const bind = this.binds.get(claimUid);
    if (bind === undefined) return undefined;
    if (nowMs - bind.atMs >= this.ttlMs) {
      this.binds.delete(claimUid);
      return undefined;
    }
    return bind.pod;
  }

  /** The cache shows the claim's pod now (or the claim is gone): forget it. */
  forget(claimUid: string): void {
    this.binds.delete(claimUid);
  }

  get size(): number {
    return this.binds.size;
  }
}
