import { describe, expect, it } from 'vitest';
import { STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../../src/api/labels.js';
import { classifyPod, classifyPods } from '../../../src/pool/classify.js';
import { podView } from '../../../src/pool/pod-view.js';
import { pod } from '../support/pods.js';
import { canonicalJson, templateHash } from '../../../src/pool/template-hash.js';

describe('classifyPod', () => {
  it('puts reserved first, whatever else is true of the pod', () => {
    expect(classifyPod(pod('a', { phase: 'Failed', deletingMs: 5 }, { [STATE_LABEL]: 'reserved' }))).toBe('reserved');
  });
  it('ignores pods being deleted', () => {
    expect(classifyPod(pod('a', { phase: 'Running', ready: true, deletingMs: 5 }))).toBe('terminating');
  });
  it('treats Failed and Succeeded pods as failed', () => {
    expect(classifyPod(pod('a', { phase: 'Failed' }))).toBe('failed');
    expect(classifyPod(pod('a', { phase: 'Succeeded' }))).toBe('failed');
  });
  it('is ready only when Running with the Ready condition', () => {
    expect(classifyPod(pod('a', { phase: 'Running', ready: true }))).toBe('ready');
    expect(classifyPod(pod('a', { phase: 'Running', ready: false }))).toBe('warming');
    expect(classifyPod(pod('a', { phase: 'Pending' }))).toBe('warming');
    expect(classifyPod(pod('a', { phase: 'Unknown', ready: true }))).toBe('warming');
  });
});

describe('classifyPods', () => {
  it('lists warming and ready pods of another template as stale', () => {
    const classes = classifyPods(
      [
        pod('w-old', {}, { [TEMPLATE_HASH_LABEL]: 'h0' }),
        pod('r-old', { phase: 'Running', ready: true }, { [TEMPLATE_HASH_LABEL]: 'h0' }),
        pod('res-old', {}, { [TEMPLATE_HASH_LABEL]: 'h0', [STATE_LABEL]: 'reserved' }),
        pod('w-new'),
      ],
      'h1',
    );
    expect(classes.stale.map((p) => p.name)).toEqual(['w-old', 'r-old']);
    expect(classes.reserved.map((p) => p.name)).toEqual(['res-old']);
    expect(classes.warming.map((p) => p.name)).toEqual(['w-old', 'w-new']);
  });
});

describe('podView', () => {
  it('reads a Kubernetes pod', () => {
    const view = podView({
      metadata: { name: 'p', labels: { a: 'b' }, creationTimestamp: new Date(2_000), deletionTimestamp: '1970-01-01T00:00:05Z' },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(3_000) }] },
    });
    expect(view).toEqual({
      name: 'p',
      labels: { a: 'b' },
      annotations: {},
      createdMs: 2_000,
      deletingMs: 5_000,
      phase: 'Running',
      ready: true,
      readySinceMs: 3_000,
    });
    expect(podView({})).toMatchObject({ name: '', phase: 'Pending', ready: false });
  });
});

describe('templateHash', () => {
  it('ignores key order and changes with content', () => {
    expect(templateHash({ a: 1, b: { c: [1, 2] } })).toBe(templateHash({ b: { c: [1, 2] }, a: 1 }));
    expect(templateHash({ a: 1 })).not.toBe(templateHash({ a: 2 }));
    expect(templateHash({ a: 1 })).toMatch(/^[0-9a-f]{10}$/);
    expect(canonicalJson({ b: undefined, a: null })).toBe('{"a":null}');
  });
});
