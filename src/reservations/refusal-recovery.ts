/**
 * How long a pool stayed without a ready pod after it first turned a caller away: the least a
 * caller that retries after the 503 waited. Per pool, the first refusal since the pool last had a
 * ready pod starts the clock; the pool's next ready pod stops it.
 */
import { poolKey, type PoolKey } from '../api/pool-key.js';

/** Pools being timed at once; beyond this, refusals of further pools are not timed. */
const MAX_TIMED_POOLS = 10_000;

export class RefusalRecovery {
  private readonly since = new Map<PoolKey, { namespace: string; pool: string; atMs: number }>();

  constructor(
    private readonly now: () => number,
    private readonly observe: (namespace: string, pool: string, seconds: number) => void,
  ) {}

  refused(namespace: string, pool: string): void {
    const key = poolKey(namespace, pool);
    if (this.since.has(key) || this.since.size >= MAX_TIMED_POOLS) return;
    this.since.set(key, { namespace, pool, atMs: this.now() });
  }

  /** A pod of the pool (by pool key) became reservable. */
  podReady(key: PoolKey): void {
    const started = this.since.get(key);
    if (started === undefined) return;
    this.since.delete(key);
    this.observe(started.namespace, started.pool, (this.now() - started.atMs) / 1000);
  }

  timing(): number {
    return this.since.size;
  }
}
