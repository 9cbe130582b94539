import { emptyProfile } from '../../../src/scaling/weekly-profile.js';
import { describe, expect, it } from 'vitest';
import { setConditions } from '../../../src/controller/conditions.js';
import { buildStatus, statusChanged } from '../../../src/controller/status.js';
import type { PodPool } from '../../../src/api/schema.js';
import { classifyPods } from '../../../src/pool/classify.js';
import { recommend } from '../../../src/scaling/recommend.js';
import { emptyHistory } from '../../../src/scaling/reservation-history.js';
import { at, makeSpec } from '../support/spec.js';

const NOW = at('2026-01-05T10:00:00Z');

function facts(pool: PodPool) {
  const history = emptyHistory(NOW);
  return {
    pool,
    classes: classifyPods([], 'h'),
    recommendation: recommend(pool.spec, { history }, NOW),
    wanted: 2,
    history,
    totalReservations: 0,
    lastReservationMs: undefined,
    observedWarmupSeconds: undefined,
    warmupSamples: [],
    profile: emptyProfile(NOW, 'UTC'),
    lastScaleTime: undefined,
    problems: [],
    nowMs: NOW,
  };
}

/** What the API server hands back: the same object with keys in another (sorted) order. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => b.localeCompare(a))
        .map(([k, v]) => [k, reordered(v)]),
    );
  }
  return value;
}

describe('status', () => {
  const pool: PodPool = {
    apiVersion: 'podpool.dev/v1alpha1',
    kind: 'PodPool',
    metadata: { name: 'p', namespace: 'n', generation: 1 },
    spec: makeSpec(),
  };

  it("shows the engine's mode, lead time and sizing term (kubectl get pp -o wide)", () => {
    const built = facts(pool);
    const status = buildStatus(built);
    expect(status).toMatchObject({
      mode: built.recommendation.mode,
      leadTimeSeconds: Math.round(built.recommendation.leadTimeSeconds),
      sizedBy: built.recommendation.setBy,
    });
    expect(status.mode).toBe('normal');
    expect(status.leadTimeSeconds).toBe(60);
  });

  it('is unchanged when the API server returns the same status with keys in another order', () => {
    const written = buildStatus(facts(pool));
    const readBack = { ...pool, status: reordered(written) as PodPool['status'] };
    expect(statusChanged(readBack.status, buildStatus(facts(readBack)))).toBe(false);
    expect(statusChanged(readBack.status, { ...buildStatus(facts(readBack)), readyPods: 9 })).toBe(true);
  });

  it('moves lastTransitionTime only when a condition changes status', () => {
    const first = setConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Warming', message: 'm' }], 1, NOW);
    const same = setConditions(first, [{ type: 'Ready', status: 'False', reason: 'Warming', message: 'other' }], 2, NOW + 1000);
    expect(same[0]).toMatchObject({ lastTransitionTime: '2026-01-05T10:00:00.000Z', observedGeneration: 2, message: 'other' });
    const flipped = setConditions(same, [{ type: 'Ready', status: 'True', reason: 'PoolReady', message: 'm' }], 2, NOW + 2000);
    expect(flipped[0]?.lastTransitionTime).toBe('2026-01-05T10:00:02.000Z');
  });

  it('reports clamping and degradation as conditions', () => {
    const limited = buildStatus({
      ...facts({ ...pool, spec: { ...pool.spec, replicas: 500 } }),
      limitedBy: 'maxPoolSize',
      problems: [{ reason: 'PodCreateFailed', message: 'quota' }],
    });
    const byType = Object.fromEntries((limited.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.ScalingLimited).toMatchObject({ status: 'True', reason: 'TooManyReplicas' });
    expect(byType.ScalingActive).toMatchObject({
      reason: 'NormalMode',
      message: expect.stringMatching(/^spec.replicas=500 \(set through \/scale\) decides the warm count; the engine recommends \d+: /),
    });
    expect(byType.Degraded).toMatchObject({ status: 'True', reason: 'PodCreateFailed', message: 'PodCreateFailed: quota' });
    expect(limited.selector).toBe('podpool.dev/pool=p,podpool.dev/state in (ready,warming)');
  });
});
