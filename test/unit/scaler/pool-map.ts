import type { PodPool, PodPoolSpec, PodPoolStatus } from '../../../src/api/schema.js';
import type { PodPoolReader } from '../../../src/kube/pool-reader.js';
import { emptyHistory, encodeHistory, recordReservations } from '../../../src/scaling/reservation-history.js';
import { poolKey } from '../../../src/api/pool-key.js';

/** Our own PodPoolReader interface, backed by a map (the operator passes the informer cache). */
export class PoolMap implements PodPoolReader {
  readonly pools = new Map<string, PodPool>();
  synced = true;
  reads = 0;

  set(namespace: string, name: string, spec: PodPoolSpec, status?: PodPoolStatus): PodPool {
    const pool: PodPool = {
      apiVersion: 'podpool.dev/v1alpha1',
      kind: 'PodPool',
      metadata: { name, namespace },
      spec,
      ...(status ? { status } : {}),
    };
    this.pools.set(poolKey(namespace, name), pool);
    return pool;
  }

  delete(namespace: string, name: string): void {
    this.pools.delete(poolKey(namespace, name));
  }

  getPool(namespace: string, name: string): PodPool | undefined {
    this.reads += 1;
    return this.pools.get(poolKey(namespace, name));
  }

  hasSynced(): boolean {
    return this.synced;
  }
}

/** A status whose history shows `perMinute` reservations a minute over the last `minutes` before `nowMs`. */
export function busyStatus(nowMs: number, perMinute: number, minutes = 5): PodPoolStatus {
  let history = emptyHistory(nowMs - minutes * 60_000);
  for (let t = nowMs - minutes * 60_000 + 15_000; t <= nowMs; t += 15_000) history = recordReservations(history, t, perMinute / 4, 512);
  return { reservationHistory: encodeHistory(history) } as PodPoolStatus;
}
