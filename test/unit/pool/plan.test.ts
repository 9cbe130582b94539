import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../../src/api/labels.js';
import { classifyPods } from '../../../src/pool/classify.js';
import { planPods } from '../../../src/pool/plan.js';
import type { PodView } from '../../../src/pool/pod-view.js';
import { pod } from '../support/pods.js';

const ready = (name: string, createdMs = 1_000, hash = 'h1'): PodView =>
  pod(
    name,
    { phase: 'Running', ready: true, createdMs, readySinceMs: createdMs + 60_000 },
    { [TEMPLATE_HASH_LABEL]: hash, [STATE_LABEL]: 'ready' },
  );
const warming = (name: string, createdMs = 1_000, hash = 'h1'): PodView =>
  pod(name, { createdMs }, { [TEMPLATE_HASH_LABEL]: hash, [STATE_LABEL]: 'warming' });
const reserved = (name: string): PodView => pod(name, { phase: 'Running', ready: true }, { [STATE_LABEL]: 'reserved' });

const names = (plan: ReturnType<typeof planPods>): string[] => plan.delete.map((d) => d.pod.name);

describe('planPods', () => {
  it('creates the shortfall and counts creates in flight', () => {
    const classes = classifyPods([ready('r1'), warming('w1')], 'h1');
    expect(planPods(classes, 5).create).toBe(3);
    expect(planPods(classes, 5, { creates: 2, deletes: new Set() }).create).toBe(1);
    expect(planPods(classes, 5, { creates: 0, deletes: new Set() }, 2).create).toBe(2);
  });

  it('deletes surplus warming pods before ready ones, newest first', () => {
    const classes = classifyPods([ready('r-old', 1_000), ready('r-new', 5_000), warming('w-old', 2_000), warming('w-new', 9_000)], 'h1');
    expect(names(planPods(classes, 3))).toEqual(['w-new']);
    expect(names(planPods(classes, 1))).toEqual(['w-new', 'w-old', 'r-new']);
    expect(planPods(classes, 1).delete.every((d) => d.reason === 'surplus')).toBe(true);
  });

  it('never deletes reserved pods and does not count them', () => {
    const classes = classifyPods([reserved('x1'), reserved('x2'), ready('r1')], 'h1');
    expect(planPods(classes, 0).delete.map((d) => d.pod.name)).toEqual(['r1']);
    expect(planPods(classes, 3).create).toBe(2);
  });

  it('replaces failed pods', () => {
    const classes = classifyPods([pod('f', { phase: 'Failed' }), ready('r1')], 'h1');
    const plan = planPods(classes, 2);
    expect(plan.delete).toEqual([{ pod: classes.failed[0], reason: 'failed' }]);
    expect(plan.create).toBe(1);
  });

  it('replaces stale warming pods at once and stale ready pods only as fresh ones become ready', () => {
    const classes = classifyPods([ready('old1', 1, 'h0'), ready('old2', 2, 'h0'), warming('oldw', 3, 'h0')], 'h1');
    const first = planPods(classes, 2);
    expect(first.create).toBe(2);
    expect(first.delete).toEqual([{ pod: classes.warming[0], reason: 'stale' }]);
    const halfway = classifyPods([ready('old1', 1, 'h0'), ready('old2', 2, 'h0'), ready('new1', 10), warming('new2', 11)], 'h1');
    expect(names(planPods(halfway, 2))).toEqual(['old1']);
    const done = classifyPods([ready('old1', 1, 'h0'), ready('new1', 10), ready('new2', 11)], 'h1');
    expect(names(planPods(done, 2))).toEqual(['old1']);
  });

  it('does not delete a pod twice while its delete is in flight', () => {
    const classes = classifyPods([ready('r1'), ready('r2'), pod('f', { phase: 'Failed' })], 'h1');
    const plan = planPods(classes, 1, { creates: 0, deletes: new Set(['r1', 'f']) });
    expect(plan.delete).toEqual([]);
    expect(plan.create).toBe(0);
  });

  it('relabels pods whose state label is out of date', () => {
    const classes = classifyPods([pod('p', { phase: 'Running', ready: true }, { [STATE_LABEL]: 'warming' }), warming('w')], 'h1');
    expect(planPods(classes, 2).relabel).toEqual([{ pod: classes.ready[0], state: 'ready' }]);
  });

  it('converges: after the plan, fresh warm pods equal the desired count and no reserved pod is touched (property)', () => {
    const podArb = fc.record({
      kind: fc.constantFrom('ready', 'warming', 'reserved', 'failed'),
      stale: fc.boolean(),
      createdMs: fc.nat({ max: 1_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(podArb, { maxLength: 40 }), fc.nat({ max: 50 }), (specs, desired) => {
        const pods = specs.map((s, i) => {
          const hash = s.stale ? 'h0' : 'h1';
          if (s.kind === 'ready') return ready(`p${i}`, s.createdMs, hash);
          if (s.kind === 'warming') return warming(`p${i}`, s.createdMs, hash);
          if (s.kind === 'reserved') return reserved(`p${i}`);
          return pod(`p${i}`, { phase: 'Failed' });
        });
        const classes = classifyPods(pods, 'h1');
        const plan = planPods(classes, desired);
        const deleted = new Set(names(plan));
        expect(deleted.size).toBe(plan.delete.length);
        for (const p of classes.reserved) expect(deleted.has(p.name)).toBe(false);
        for (const p of classes.failed) expect(deleted.has(p.name)).toBe(true);
        const freshLeft = [...classes.warming, ...classes.ready].filter((p) => !deleted.has(p.name) && !classes.stale.includes(p)).length;
        expect(freshLeft + plan.create).toBe(desired);
        const staleReadyLeft = classes.ready.filter((p) => classes.stale.includes(p) && !deleted.has(p.name)).length;
        const freshReadyLeft = classes.ready.filter((p) => !classes.stale.includes(p) && !deleted.has(p.name)).length;
        expect(staleReadyLeft + freshReadyLeft).toBeLessThanOrEqual(Math.max(desired, freshReadyLeft));
      }),
    );
  });
});
