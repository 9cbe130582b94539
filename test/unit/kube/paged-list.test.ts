import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { listInPages } from '../../../src/kube/paged-list.js';

const pod = (i: number): V1Pod => ({ metadata: { name: `p${i}`, managedFields: [{ manager: 'm' }] } });

describe('listInPages', () => {
  it('follows continue tokens to the end, keeping the snapshot resourceVersion and no managedFields', async () => {
    const all = Array.from({ length: 7 }, (_, i) => pod(i));
    const asked: Array<{ limit: number; _continue?: string }> = [];
    const list = await listInPages(async (page) => {
      asked.push(page);
      const start = Number(page._continue ?? 0);
      const end = Math.min(start + page.limit, all.length);
      return {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: '42', _continue: end < all.length ? String(end) : '' },
        items: all.slice(start, end),
      };
    }, 3);
    expect(asked).toEqual([{ limit: 3 }, { limit: 3, _continue: '3' }, { limit: 3, _continue: '6' }]);
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(list.items.every((p) => p.metadata?.managedFields === undefined)).toBe(true);
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '42' } });
  });

  it('passes a failed page on (an expired continue token makes the informer re-list)', async () => {
    let calls = 0;
    const failing = listInPages(async () => {
      calls += 1;
      if (calls === 2) throw Object.assign(new Error('Gone'), { code: 410 });
      return { items: [pod(calls)], metadata: { _continue: 'next' } };
    });
    await expect(failing).rejects.toThrow('Gone');
  });
});
