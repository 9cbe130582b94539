/** The per-pool gauges the availability SLO and the alerts read, as the report step sets them. */
import { describe, expect, it } from 'vitest';
import type { PodPool } from '../../../src/api/schema.js';
import { forgetMetrics, recordMetrics, recordPoolHealth } from '../../../src/controller/report.js';
import type { PodClasses } from '../../../src/pool/classify.js';
import type { Recommendation } from '../../../src/scaling/recommend.js';
import {
  poolAcceleration,
  poolAtMax,
  poolAvailabilityTarget,
  poolDegraded,
  poolSpikeMode,
  poolVelocity,
  poolWantedReplicas,
  registry,
  resetPoolGauges,
} from '../../../src/metrics.js';
import { makeSpec } from '../support/spec.js';

function pool(name: string, extra: Record<string, unknown> = {}): PodPool {
  return {
    apiVersion: 'podpool.dev/v1alpha1',
    kind: 'PodPool',
    metadata: { namespace: 'ns', name },
    spec: { ...makeSpec(), ...extra },
  } as PodPool;
}

type Series = Record<string, string | number>;

async function series(gauge: { get(): Promise<{ values: Array<{ labels: Series; value: number }> }> }, name: string): Promise<Series[]> {
  return (await gauge.get()).values.filter((v) => v.labels.pool === name).map((v) => ({ ...v.labels, value: v.value }));
}

describe('recordPoolHealth', () => {
  it('exports the availability target (0.99 by default, spec.availability when set), the wanted count and the ceiling', async () => {
    recordPoolHealth(pool('plain'), 3, undefined, []);
    recordPoolHealth(pool('strict', { availability: 0.999 }), 20, 'maxPoolSize', []);
    expect(await series(poolAvailabilityTarget, 'plain')).toEqual([{ namespace: 'ns', pool: 'plain', value: 0.99 }]);
    expect(await series(poolAvailabilityTarget, 'strict')).toEqual([{ namespace: 'ns', pool: 'strict', value: 0.999 }]);
    expect(await series(poolWantedReplicas, 'strict')).toEqual([{ namespace: 'ns', pool: 'strict', value: 20 }]);
    expect(await series(poolAtMax, 'plain')).toEqual([{ namespace: 'ns', pool: 'plain', value: 0 }]);
    expect(await series(poolAtMax, 'strict')).toEqual([{ namespace: 'ns', pool: 'strict', value: 1 }]);
  });

  it('keeps one Degraded series per current reason and drops a reason once it clears', async () => {
    recordPoolHealth(pool('sick'), 1, undefined, [
      { reason: 'PodCreateFailed', message: 'quota' },
      { reason: 'PodCreateFailed', message: 'again' },
      { reason: 'WebhookNotCalled', message: '2 pods' },
    ]);
    expect((await series(poolDegraded, 'sick')).map((s) => s.reason).sort()).toEqual(['PodCreateFailed', 'WebhookNotCalled']);
    recordPoolHealth(pool('sick'), 1, undefined, [{ reason: 'WebhookNotCalled', message: '1 pod' }]);
    expect(await series(poolDegraded, 'sick')).toEqual([{ namespace: 'ns', pool: 'sick', reason: 'WebhookNotCalled', value: 1 }]);
    recordPoolHealth(pool('sick'), 1, undefined, []);
    expect(await series(poolDegraded, 'sick')).toEqual([]);
  });

  it("drops a deleted pool's series, and every pool's when leadership is lost", async () => {
    recordPoolHealth(pool('gone'), 1, 'maxPoolSize', [{ reason: 'PodDeleteFailed', message: 'x' }]);
    forgetMetrics('ns', 'gone');
    for (const gauge of [poolAvailabilityTarget, poolWantedReplicas, poolAtMax, poolDegraded])
      expect(await series(gauge, 'gone')).toEqual([]);
    recordPoolHealth(pool('led'), 1, undefined, [{ reason: 'PodDeleteFailed', message: 'x' }]);
    resetPoolGauges();
    expect((await registry.metrics()).split('\n').filter((line) => line.includes('pool="led"'))).toEqual([]);
  });
});

describe('recordMetrics', () => {
  it('exports velocity per second, acceleration per second squared and the spike mode', async () => {
    const classes = { ready: [], warming: [], reserved: [] } as unknown as PodClasses;
    recordMetrics('ns', 'spiky', classes, {
      desiredReplicas: 4,
      velocity: 120,
      acceleration: 7200,
      mode: 'spike',
    } as unknown as Recommendation);
    expect(await series(poolVelocity, 'spiky')).toEqual([{ namespace: 'ns', pool: 'spiky', value: 2 }]);
    expect(await series(poolAcceleration, 'spiky')).toEqual([{ namespace: 'ns', pool: 'spiky', value: 2 }]);
    expect(await series(poolSpikeMode, 'spiky')).toEqual([{ namespace: 'ns', pool: 'spiky', value: 1 }]);
    recordMetrics('ns', 'spiky', classes, {
      desiredReplicas: 4,
      velocity: 0,
      acceleration: 0,
      mode: 'normal',
    } as unknown as Recommendation);
    expect(await series(poolSpikeMode, 'spiky')).toEqual([{ namespace: 'ns', pool: 'spiky', value: 0 }]);
  });
});
