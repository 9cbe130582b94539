/**
 * Creates and deletes this controller has sent but the informer cache does not show yet. Without
 * them a reconcile that runs before the cache catches up would create the same pods again.
 * Entries expire (as in the ReplicaSet controller) so a lost watch event cannot wedge a pool.
 */
import type { PoolKey } from '../api/pool-key.js';
import { systemClock, type Clock } from '../clock.js';
import type { InFlight } from '../pool/plan.js';

const EXPIRY_MS = 5 * 60 * 1000;

interface PoolExpectations {
  creates: Map<string, number>;
  deletes: Map<string, number>;
}

export class Expectations {
  private readonly pools = new Map<PoolKey, PoolExpectations>();

  constructor(private readonly clock: Clock = systemClock) {}

  private of(key: PoolKey): PoolExpectations {
    let entry = this.pools.get(key);
    if (entry === undefined) this.pools.set(key, (entry = { creates: new Map(), deletes: new Map() }));
    return entry;
  }

  expectCreate(key: PoolKey, podName: string): void {
    this.of(key).creates.set(podName, this.clock.now());
  }

  expectDelete(key: PoolKey, podName: string): void {
    this.of(key).deletes.set(podName, this.clock.now());
  }

  /** Settles expectations against what the cache shows: live pods and pods being deleted. */
  observe(key: PoolKey, livePods: ReadonlySet<string>, goingPods: ReadonlySet<string>): InFlight {
    const entry = this.of(key);
    const now = this.clock.now();
    for (const [name, since] of entry.creates)
      if (livePods.has(name) || goingPods.has(name) || now - since > EXPIRY_MS) entry.creates.delete(name);
    for (const [name, since] of entry.deletes) if (!livePods.has(name) || now - since > EXPIRY_MS) entry.deletes.delete(name);
    return { creates: entry.creates.size, deletes: new Set(entry.deletes.keys()) };
  }

  forget(key: PoolKey): void {
    this.pools.delete(key);
  }
}
