import { describe, expect, it } from 'vitest';
import { POOL_LABEL, STATE_LABEL } from '../../../src/api/labels.js';
import type { PodPool } from '../../../src/api/schema.js';
import type { LivePoolReader } from '../../../src/webhook/live-pool-reader.js';
import { confirmAdmission } from '../../../src/webhook/pool-confirmation.js';
import { parseAdmissionReview } from '../../../src/webhook/review.js';
import { makePool, poolReader, review } from './support.js';

const cached = makePool('team-a', 'sandboxes', { metadata: { labels: { app: 'sandbox' } } });
const fresh = makePool('team-a', 'fresh', { metadata: { labels: { app: 'fresh' } } });
const cache = poolReader([cached]);
const request = (pool: string, labels: Record<string, string> = {}) =>
  parseAdmissionReview(review({ metadata: { generateName: `${pool}-`, labels: { [POOL_LABEL]: pool, ...labels } } }));

/** A LivePoolReader answering from `pools` (or failing with `failure`), recording what it was asked. */
function liveReader(pools: PodPool[], failure?: Error): LivePoolReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readPool: (namespace, name) => {
      reads.push(`${namespace}/${name}`);
      if (failure !== undefined) return Promise.reject(failure);
      return Promise.resolve(pools.find((pool) => pool.metadata.namespace === namespace && pool.metadata.name === name));
    },
  };
}

describe('confirmAdmission', () => {
  it('answers from the cache alone when the cache knows the pool', async () => {
    const live = liveReader([]);
    expect(await confirmAdmission(request('sandboxes'), cache, live)).toMatchObject({ outcome: 'patched', poolKey: 'team-a/sandboxes' });
    expect(live.reads).toEqual([]);
  });

  it('does not ask the API server about pods it denies for other reasons, or before the cache has synced', async () => {
    const live = liveReader([]);
    expect((await confirmAdmission(request('nope', { [STATE_LABEL]: 'reserved' }), cache, live)).outcome).toBe('denied');
    expect((await confirmAdmission(request('nope'), poolReader([], false), live)).outcome).toBe('allowed');
    expect(live.reads).toEqual([]);
  });

  it('denies a pool missing from the cache only when the API server says 404', async () => {
    const live = liveReader([]);
    const decision = await confirmAdmission(request('nope'), cache, live);
    expect(decision).toMatchObject({ outcome: 'denied', reason: expect.stringMatching(/PodPool team-a\/nope does not exist/) });
    expect(live.reads).toEqual(['team-a/nope']);
  });

  it('stamps from the API server a pool the cache has not seen yet', async () => {
    const decision = await confirmAdmission(request('fresh'), cache, liveReader([fresh]));
    expect(decision).toMatchObject({
      outcome: 'patched',
      poolKey: 'team-a/fresh',
      reason: expect.stringMatching(/read from the API server/),
    });
    expect(decision.patch).toContainEqual({ op: 'add', path: '/metadata/labels/app', value: 'fresh' });
    expect(decision.unknownPool).toBeUndefined();
  });

  it('fails open, unstamped with a warning, when the API server cannot answer', async () => {
    const decision = await confirmAdmission(request('fresh'), cache, liveReader([], new Error('connect ECONNREFUSED')));
    expect(decision).toMatchObject({
      outcome: 'allowed',
      poolKey: 'team-a/fresh',
      reason: expect.stringMatching(/could not confirm it \(connect ECONNREFUSED\)/),
    });
    expect(decision.patch).toBeUndefined();
    expect(decision.warnings?.[0]).toMatch(/could not be checked and labels were not stamped/);
  });

  it('never asks the API server about a name no PodPool can have, such as a 1 MB label', async () => {
    const live = liveReader([], new Error('request entity too large'));
    const decision = await confirmAdmission(request('a'.repeat(1_000_000)), cache, live);
    expect(decision).toMatchObject({ outcome: 'denied', reason: expect.stringMatching(/is not a valid PodPool name/) });
    expect(decision.reason.length).toBeLessThan(1_000);
    expect(live.reads).toEqual([]);
  });

  it('keeps the cache-only answer without a live reader', async () => {
    expect((await confirmAdmission(request('fresh'), cache, undefined)).outcome).toBe('denied');
  });
});
