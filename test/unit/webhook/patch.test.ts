import { describe, expect, it } from 'vitest';
import { POOL_LABEL, STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../../src/api/labels.js';
import { templateHash } from '../../../src/pool/template-hash.js';
import { escapeJsonPointerToken, labelPatch, poolPodPatch, stampedLabels, type JsonPatchOperation } from '../../../src/webhook/patch.js';
import { makePool } from './support.js';

/** Applies add/replace operations the way the API server would, for the paths labelPatch emits. */
function apply(
  pod: { metadata?: { labels?: Record<string, string> | null } | null },
  operations: JsonPatchOperation[],
): Record<string, unknown> {
  const result = structuredClone(pod) as Record<string, unknown>;
  for (const operation of operations) {
    const tokens = operation.path
      .split('/')
      .slice(1)
      .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
    let parent = result;
    for (const token of tokens.slice(0, -1)) {
      const child = parent[token];
      if (child === null || typeof child !== 'object') throw new Error(`patch path ${operation.path} has no parent at ${token}`);
      parent = child as Record<string, unknown>;
    }
    const last = tokens.at(-1)!;
    if (operation.op === 'replace' && !(last in parent)) throw new Error(`replace of missing ${operation.path}`);
    parent[last] = structuredClone(operation.value);
  }
  return result;
}

const pool = makePool('team-a', 'sandboxes', {
  metadata: { labels: { app: 'sandbox', 'example.com/tier~x': 'gold' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});
const hash = templateHash(pool.spec.podTemplate);

describe('escapeJsonPointerToken', () => {
  it('escapes "~" before "/" (RFC 6901)', () => {
    expect(escapeJsonPointerToken('podpool.dev/pool')).toBe('podpool.dev~1pool');
    expect(escapeJsonPointerToken('a~b')).toBe('a~0b');
    expect(escapeJsonPointerToken('a~1b/c')).toBe('a~01b~1c');
    expect(escapeJsonPointerToken('plain')).toBe('plain');
  });
});

describe('stampedLabels', () => {
  it('adds pool, warming state, template hash and the template labels', () => {
    expect(stampedLabels({ metadata: {} }, pool)).toEqual({
      app: 'sandbox',
      'example.com/tier~x': 'gold',
      [POOL_LABEL]: 'sandboxes',
      [STATE_LABEL]: 'warming',
      [TEMPLATE_HASH_LABEL]: hash,
    });
  });

  it("lets podpool's own keys win over template labels that set them", () => {
    const odd = makePool('team-a', 'sandboxes', { metadata: { labels: { [STATE_LABEL]: 'ready', [POOL_LABEL]: 'other' } } });
    const labels = stampedLabels({}, odd);
    expect(labels[STATE_LABEL]).toBe('warming');
    expect(labels[POOL_LABEL]).toBe('sandboxes');
  });

  it('keeps the template hash the creator stamped (the pool may have changed since)', () => {
    expect(stampedLabels({ metadata: { labels: { [TEMPLATE_HASH_LABEL]: 'older' } } }, pool)[TEMPLATE_HASH_LABEL]).toBe('older');
  });

  it('ignores non-string template label values', () => {
    const odd = makePool('team-a', 'p', { metadata: { labels: { good: 'yes', bad: 3 as unknown as string } } });
    expect(stampedLabels({}, odd)).not.toHaveProperty('bad');
  });
});

describe('labelPatch', () => {
  it('creates /metadata/labels whole when the pod has no labels', () => {
    expect(labelPatch({ metadata: {} }, { [POOL_LABEL]: 'p' })).toEqual([
      { op: 'add', path: '/metadata/labels', value: { [POOL_LABEL]: 'p' } },
    ]);
    expect(labelPatch({ metadata: { labels: null } }, { a: 'b' })).toEqual([{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }]);
  });

  it('creates /metadata when the pod has none', () => {
    expect(labelPatch({}, { a: 'b' })).toEqual([{ op: 'add', path: '/metadata', value: { labels: { a: 'b' } } }]);
  });

  it('adds missing keys and replaces wrong values with escaped paths, leaving other labels alone', () => {
    const pod = { metadata: { labels: { keep: 'me', [STATE_LABEL]: 'ready' } } };
    expect(labelPatch(pod, { [POOL_LABEL]: 'p', [STATE_LABEL]: 'warming', 'a~b/c': 'd' })).toEqual([
      { op: 'add', path: '/metadata/labels/podpool.dev~1pool', value: 'p' },
      { op: 'replace', path: '/metadata/labels/podpool.dev~1state', value: 'warming' },
      { op: 'add', path: '/metadata/labels/a~0b~1c', value: 'd' },
    ]);
  });

  it('is empty when nothing is wanted', () => {
    expect(labelPatch({}, {})).toEqual([]);
  });
});

describe('poolPodPatch', () => {
  it('stamps a pod without labels, and the stamped pod needs no further patch', () => {
    const pod = { metadata: {} };
    const patched = apply(pod, poolPodPatch(pod, pool)) as { metadata: { labels: Record<string, string> } };
    expect(patched.metadata.labels).toEqual(stampedLabels(pod, pool));
    expect(poolPodPatch(patched, pool)).toEqual([]);
  });

  it('stamps a pod with labels without touching its other labels or fields', () => {
    const pod = { metadata: { labels: { [POOL_LABEL]: 'sandboxes', team: 'a' }, annotations: { x: 'y' } }, spec: { containers: [] } };
    const operations = poolPodPatch(pod, pool);
    expect(operations.every((operation) => operation.path.startsWith('/metadata/labels/'))).toBe(true);
    const patched = apply(pod, operations) as typeof pod;
    expect(patched.metadata.labels).toMatchObject({ team: 'a', [STATE_LABEL]: 'warming', [TEMPLATE_HASH_LABEL]: hash, app: 'sandbox' });
    expect(patched.metadata.annotations).toEqual({ x: 'y' });
    expect(patched.spec).toEqual({ containers: [] });
  });

  it('is empty when the labels are already right (idempotent)', () => {
    const pod = { metadata: { labels: { ...stampedLabels({}, pool), extra: 'kept' } } };
    expect(poolPodPatch(pod, pool)).toEqual([]);
  });
});
