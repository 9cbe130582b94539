import { describe, expect, it } from 'vitest';
import { STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../../src/api/labels.js';
import { classifyPods } from '../../../src/pool/classify.js';
import { planPods } from '../../../src/pool/plan.js';
import { adoptPodsAdmittedWithoutWebhook } from '../../../src/pool/admitted-without-webhook.js';
import { pod } from '../support/pods.js';

describe('adoptPodsAdmittedWithoutWebhook', () => {
  it('adopts pods without a template hash as current, and leaves stamped and reserved pods alone', () => {
    const bare = { ...pod('bare', { phase: 'Running', ready: true }), labels: { 'podpool.dev/pool': 'p' } };
    const reserved = { ...pod('mine'), labels: { [STATE_LABEL]: 'reserved' } };
    const old = pod('old', {}, { [TEMPLATE_HASH_LABEL]: 'h0' });
    const { views, admittedWithoutWebhook } = adoptPodsAdmittedWithoutWebhook([bare, reserved, old], 'h1');
    expect(admittedWithoutWebhook.map((v) => v.name)).toEqual(['bare']);
    expect(views[0]?.labels[TEMPLATE_HASH_LABEL]).toBe('h1');
    expect(views[1]).toBe(reserved);
    expect(views[2]).toBe(old);
    // Adopted, the hand-made pod is not replaced as stale; it only needs its state label.
    const plan = planPods(classifyPods(views, 'h1'), 2);
    expect(plan.delete.map((d) => d.pod.name)).toEqual(['old']);
    expect(plan.relabel).toEqual([{ pod: views[0], state: 'ready' }]);
  });
});
