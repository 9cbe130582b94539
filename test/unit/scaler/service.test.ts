import { describe, expect, it } from 'vitest';
import { scalerEngineEvaluationsTotal } from '../../../src/metrics.js';
import { DEFAULT_ANSWER_TTL_MS, ScalerService } from '../../../src/scaler/service.js';
import { recommendForPool } from '../../../src/scaling/pool-recommendation.js';
import { at, makeSpec } from '../support/spec.js';
import { busyStatus, PoolMap } from './pool-map.js';

const NOW = at('2026-01-05T10:00:00Z');
const ref = { namespace: 'team-a', name: 'sandboxes' };
const evaluations = async (): Promise<number> => (await scalerEngineEvaluationsTotal.get()).values[0]?.value ?? 0;

function setup() {
  const clock = { now: NOW };
  const pools = new PoolMap();
  const service = new ScalerService(pools, { clock: { now: () => clock.now } });
  return { clock, pools, service };
}

describe('one engine evaluation per pool answers a poll', () => {
  it('serves GetMetrics, IsActive and the HPA sync of one poll from one evaluation', async () => {
    const { pools, service } = setup();
    pools.set('team-a', 'sandboxes', makeSpec({ targetReadyPods: 4 }));
    const before = await evaluations();
    const answers = [service.answer(ref), service.answer(ref), service.answer(ref)];
    expect(await evaluations()).toBe(before + 1);
    expect(answers.map((a) => a.desiredReplicas)).toEqual([4, 4, 4]);
  });

  it('evaluates again once the answer is a TTL old', async () => {
    const { clock, pools, service } = setup();
    pools.set('team-a', 'sandboxes', makeSpec({ targetReadyPods: 4 }));
    const before = await evaluations();
    service.answer(ref);
    clock.now += DEFAULT_ANSWER_TTL_MS - 1;
    service.answer(ref);
    expect(await evaluations()).toBe(before + 1);
    clock.now += 1;
    service.answer(ref);
    expect(await evaluations()).toBe(before + 2);
  });

  it('sees a changed pool at once: a new object from the informer is a new answer', () => {
    const { pools, service } = setup();
    pools.set('team-a', 'sandboxes', makeSpec({ targetReadyPods: 4 }));
    expect(service.answer(ref).desiredReplicas).toBe(4);
    const busy = pools.set('team-a', 'sandboxes', makeSpec({ targetReadyPods: 9 }), busyStatus(NOW, 30));
    expect(service.answer(ref).desiredReplicas).toBe(recommendForPool(busy, NOW).desiredReplicas);
    expect(service.answer(ref).desiredReplicas).toBeGreaterThanOrEqual(9);
  });

  it('keeps pools apart and forgets a deleted pool', () => {
    const { clock, pools, service } = setup();
    pools.set('team-a', 'sandboxes', makeSpec({ targetReadyPods: 4 }));
    pools.set('team-b', 'sandboxes', makeSpec({ targetReadyPods: 7 }));
    expect(service.answer(ref).desiredReplicas).toBe(4);
    expect(service.answer({ namespace: 'team-b', name: 'sandboxes' }).desiredReplicas).toBe(7);
    pools.delete('team-a', 'sandboxes');
    expect(() => service.answer(ref)).toThrow(/not found/);
    clock.now += DEFAULT_ANSWER_TTL_MS;
    service.answer({ namespace: 'team-b', name: 'sandboxes' });
    expect((service as unknown as { answers: Map<string, unknown> }).answers.size).toBe(1);
  });

  it('does not serve an answer from the future when the clock steps back', async () => {
    const { clock, pools, service } = setup();
    pools.set('team-a', 'sandboxes', makeSpec({ targetReadyPods: 4 }));
    const before = await evaluations();
    service.answer(ref);
    clock.now -= 10_000;
    service.answer(ref);
    expect(await evaluations()).toBe(before + 2);
  });
});
