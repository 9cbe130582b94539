/** The reservation metrics the availability SLO is computed from, observed through the service. */
import { poolKey } from '../../../src/api/pool-key.js';
import { describe, expect, it } from 'vitest';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { reservationColdWait, reservationRefusalRecovery, reservationsTotal } from '../../../src/metrics.js';
import type { PodPool } from '../../../src/api/schema.js';
import type { PodChangeListener } from '../../../src/reservations/pod-source.js';
import { ReservationService } from '../../../src/reservations/service.js';
import { FakeCluster, NAMESPACE, readyPod } from './fakes.js';

type Labels = Record<string, string | number>;

function sample(metric: MetricObjectWithValues<MetricValue<string>>, name: string, labels: Labels): number {
  return (
    metric.values.find(
      (v) => (v as { metricName?: string }).metricName === name && Object.entries(labels).every(([k, x]) => v.labels[k] === x),
    )?.value ?? 0
  );
}

async function outcomes(pool: string): Promise<Record<string, number>> {
  const metric = await reservationsTotal.get();
  const counts: Record<string, number> = {};
  for (const value of metric.values) if (value.labels.pool === pool) counts[String(value.labels.outcome)] = value.value;
  return counts;
}

function service(pool: string): { cluster: FakeCluster; reservations: ReservationService } {
  const cluster = new FakeCluster([pool]);
  return { cluster, reservations: new ReservationService({ source: cluster, writer: cluster, options: { retryAfterSeconds: 1 } }) };
}

const request = (pool: string, user: string) => ({ namespace: NAMESPACE, pool, user, caller: 'system:serviceaccount:team-a:app' });

describe('reservation SLO metrics', () => {
  it('counts warm, cold and refused reservations per pool', async () => {
    const { cluster, reservations } = service('slo-outcomes');
    cluster.put(readyPod('a', 'slo-outcomes'));
    await reservations.reserve(request('slo-outcomes', 'u1'), 0);
    await expect(reservations.reserve(request('slo-outcomes', 'u2'), 0)).rejects.toThrow(/no ready pod/);
    const pending = reservations.reserve(request('slo-outcomes', 'u3'), 5_000);
    cluster.put(readyPod('b', 'slo-outcomes'));
    expect((await pending).outcome).toBe('cold');
    expect(await outcomes('slo-outcomes')).toEqual({ warm: 1, refused: 1, cold: 1 });
  });

  it('starts every outcome at 0 when the pool appears, so rate() sees the first reservation', async () => {
    const cluster = new FakeCluster(['slo-new']);
    let listener: PodChangeListener | undefined;
    new ReservationService({
      source: { ...cluster, podsOf: () => [], hasSynced: () => true, getPool: () => undefined, onChange: (l) => (listener = l) },
      writer: cluster,
    });
    listener?.(poolKey(NAMESPACE, 'slo-new'), { pool: { metadata: { namespace: NAMESPACE, name: 'slo-new' } } as PodPool });
    expect(await outcomes('slo-new')).toEqual({ warm: 0, cold: 0, refused: 0, failed: 0 });
  });

  it('observes how long a cold reservation waited', async () => {
    const { cluster, reservations } = service('slo-cold');
    const pending = reservations.reserve(request('slo-cold', 'u'), 5_000);
    await new Promise((resolve) => setTimeout(resolve, 120));
    cluster.put(readyPod('a', 'slo-cold'));
    await pending;
    const metric = await reservationColdWait.get();
    const labels = { namespace: NAMESPACE, pool: 'slo-cold' };
    expect(sample(metric, 'podpool_reservation_cold_wait_seconds_count', labels)).toBe(1);
    expect(sample(metric, 'podpool_reservation_cold_wait_seconds_sum', labels)).toBeGreaterThanOrEqual(0.1);
    expect(sample(metric, 'podpool_reservation_cold_wait_seconds_bucket', { ...labels, le: 0.1 })).toBe(0);
  });

  it('times a refused pool until its next ready pod', async () => {
    const { cluster, reservations } = service('slo-refused');
    await expect(reservations.reserve(request('slo-refused', 'u'), 0)).rejects.toThrow(/no ready pod/);
    await new Promise((resolve) => setTimeout(resolve, 60));
    cluster.put(readyPod('a', 'slo-refused'));
    const metric = await reservationRefusalRecovery.get();
    const labels = { namespace: NAMESPACE, pool: 'slo-refused' };
    expect(sample(metric, 'podpool_reservation_refusal_recovery_seconds_count', labels)).toBe(1);
    expect(sample(metric, 'podpool_reservation_refusal_recovery_seconds_sum', labels)).toBeGreaterThanOrEqual(0.05);
  });
});
