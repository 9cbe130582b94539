import { afterEach, describe, expect, it } from 'vitest';
import { PodpoolError } from '../../../src/errors.js';
import { PoolActivityWatch, type ActivitySubscriber } from '../../../src/scaler/activity-watch.js';
import { ScalerService } from '../../../src/scaler/service.js';
import { at, makeSpec } from '../support/spec.js';
import { PoolMap } from './pool-map.js';
import { poolKey, type PoolKey } from '../../../src/api/pool-key.js';

class Recorder implements ActivitySubscriber {
  readonly messages: boolean[] = [];
  failure: unknown;
  ended = false;
  push(active: boolean): void {
    this.messages.push(active);
  }
  fail(error: unknown): void {
    this.failure = error;
  }
  end(): void {
    this.ended = true;
  }
}

const watches: PoolActivityWatch[] = [];
afterEach(() => watches.splice(0).forEach((watch) => watch.close()));

/** Without a grace the watch does not wait for a controller's status write (none runs here). */
function setup(startMs: number, intervalMs = 60_000, publishGraceMs = 0) {
  const pools = new PoolMap();
  const clock = { now: startMs };
  const watch = new PoolActivityWatch(new ScalerService(pools, { clock: { now: () => clock.now } }), intervalMs, publishGraceMs);
  watches.push(watch);
  return { pools, clock, watch };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const pool = { namespace: 'team-a', name: 'p' };

describe('the activity watch behind StreamIsActive', () => {
  it('gives a new subscriber the current state before subscribe returns', () => {
    const { pools, watch } = setup(at('2026-01-05T10:00:00Z'));
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    const recorder = new Recorder();
    watch.subscribe(pool, recorder);
    expect(recorder.messages).toEqual([false]);
  });

  it('evaluates a pool once for all its subscribers, once per burst of change events', async () => {
    const { pools, watch } = setup(at('2026-01-05T10:00:00Z'));
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    const recorders = Array.from({ length: 50 }, () => new Recorder());
    for (const recorder of recorders) watch.subscribe(pool, recorder);
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 2 }));
    const readsBefore = pools.reads;
    for (let event = 0; event < 100; event += 1) watch.notifyPoolChanged(poolKey('team-a', 'p'));
    watch.notifyPoolChanged(poolKey('team-a', 'unwatched'));
    await nextTurn();
    expect(pools.reads - readsBefore).toBe(1);
    for (const recorder of recorders) expect(recorder.messages).toEqual([false, true]);
  });

  it('pushes true when a window is about to start, found by the timer alone', async () => {
    // Window 10-12 UTC with a 120 s warm-up: pre-scaling starts at 09:58.
    const { pools, clock, watch } = setup(at('2026-01-05T09:55:00Z'), 10);
    pools.set(
      'team-a',
      'p',
      makeSpec({ targetReadyPods: 0, warmupSeconds: 120, timeBasedScaling: [{ hourStart: 10, hourEnd: 12, targetPoolSize: 5 }] }),
    );
    const recorder = new Recorder();
    watch.subscribe(pool, recorder);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(recorder.messages).toEqual([false]);
    clock.now = at('2026-01-05T09:58:30Z');
    await expect.poll(() => recorder.messages).toEqual([false, true]);
  });

  it('tells existing subscribers about a change a newcomer discovers, and the newcomer the state', () => {
    const { pools, watch } = setup(at('2026-01-05T10:00:00Z'));
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    const early = new Recorder();
    watch.subscribe(pool, early);
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 1 }));
    const late = new Recorder();
    watch.subscribe(pool, late);
    expect(early.messages).toEqual([false, true]);
    expect(late.messages).toEqual([true]);
  });

  it('fails the subscribers of a pool that was deleted, and forgets them', async () => {
    const { pools, watch } = setup(at('2026-01-05T10:00:00Z'));
    pools.set('team-a', 'p', makeSpec());
    const recorder = new Recorder();
    watch.subscribe(pool, recorder);
    pools.delete('team-a', 'p');
    watch.notifyPoolChanged(poolKey('team-a', 'p'));
    await nextTurn();
    expect(recorder.failure).toBeInstanceOf(PodpoolError);
    expect((recorder.failure as PodpoolError).code).toBe('NotFound');
    expect(watch.subscriberCount()).toBe(0);
  });

  it('refuses a subscription it cannot answer and keeps nothing', () => {
    const { watch } = setup(at('2026-01-05T10:00:00Z'));
    const recorder = new Recorder();
    expect(() => watch.subscribe(pool, recorder)).toThrow(/not found/);
    expect(recorder.messages).toEqual([]);
    expect(watch.subscriberCount()).toBe(0);
  });

  it('stops pushing to a subscriber that left', async () => {
    const { pools, watch } = setup(at('2026-01-05T10:00:00Z'));
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    const leaving = new Recorder();
    const staying = new Recorder();
    const unsubscribe = watch.subscribe(pool, leaving);
    watch.subscribe(pool, staying);
    unsubscribe();
    unsubscribe();
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 1 }));
    watch.notifyPoolChanged(poolKey('team-a', 'p'));
    await nextTurn();
    expect(leaving.messages).toEqual([false]);
    expect(staying.messages).toEqual([false, true]);
    expect(watch.subscriberCount()).toBe(1);
  });

  it('follows a change source such as the informer cache', async () => {
    const { pools, watch } = setup(at('2026-01-05T10:00:00Z'));
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    let emit: ((key: PoolKey) => void) | undefined;
    watch.followChanges({ onChange: (listener) => (emit = listener) });
    const recorder = new Recorder();
    watch.subscribe(pool, recorder);
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 3 }));
    emit?.(poolKey('team-a', 'p'));
    await nextTurn();
    expect(recorder.messages).toEqual([false, true]);
  });

  it('ends every subscriber on close and refuses new ones', () => {
    const { pools, watch } = setup(at('2026-01-05T10:00:00Z'));
    pools.set('team-a', 'p', makeSpec());
    const recorders = [new Recorder(), new Recorder()];
    for (const recorder of recorders) watch.subscribe(pool, recorder);
    watch.close();
    expect(recorders.map((recorder) => recorder.ended)).toEqual([true, true]);
    expect(watch.subscriberCount()).toBe(0);
    expect(() => watch.subscribe(pool, new Recorder())).toThrow(/closed/);
  });

  describe('waiting for the controller to publish a change before telling KEDA', () => {
    const NOW = at('2026-01-05T10:00:00Z');
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

    it('holds a push of true until the status write of the same change arrives, then pushes at once', async () => {
      const { pools, watch } = setup(NOW, 60_000, 5_000);
      const idle = pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }), { observedGeneration: 1, desiredReplicas: 0 } as never);
      idle.metadata.generation = 1;
      const recorder = new Recorder();
      watch.subscribe(pool, recorder);
      // A user edits the spec: generation 2, status still of generation 1.
      const edited = pools.set('team-a', 'p', makeSpec({ targetReadyPods: 3 }), { observedGeneration: 1, desiredReplicas: 0 } as never);
      edited.metadata.generation = 2;
      watch.notifyPoolChanged(poolKey('team-a', 'p'));
      await nextTurn();
      expect(recorder.messages).toEqual([false]);
      // The controller writes status for generation 2.
      const published = pools.set('team-a', 'p', makeSpec({ targetReadyPods: 3 }), { observedGeneration: 2, desiredReplicas: 3 } as never);
      published.metadata.generation = 2;
      watch.notifyPoolChanged(poolKey('team-a', 'p'));
      await nextTurn();
      expect(recorder.messages).toEqual([false, true]);
      await sleep(20);
      expect(recorder.messages).toEqual([false, true]);
    });

    it('pushes anyway when no status write comes within the grace (no controller running)', async () => {
      const { pools, watch } = setup(NOW, 60_000, 30);
      pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
      const recorder = new Recorder();
      watch.subscribe(pool, recorder);
      pools.set('team-a', 'p', makeSpec({ targetReadyPods: 3 }));
      watch.notifyPoolChanged(poolKey('team-a', 'p'));
      await nextTurn();
      expect(recorder.messages).toEqual([false]);
      await sleep(60);
      expect(recorder.messages).toEqual([false, true]);
    });

    it('never holds a push of false, and forgets a held push when the subscriber leaves', async () => {
      const { pools, watch } = setup(NOW, 60_000, 30);
      pools.set('team-a', 'p', makeSpec({ targetReadyPods: 3 }));
      const recorder = new Recorder();
      const unsubscribe = watch.subscribe(pool, recorder);
      pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
      watch.notifyPoolChanged(poolKey('team-a', 'p'));
      await nextTurn();
      expect(recorder.messages).toEqual([true, false]);
      pools.set('team-a', 'p', makeSpec({ targetReadyPods: 2 }));
      watch.notifyPoolChanged(poolKey('team-a', 'p'));
      await nextTurn();
      unsubscribe();
      await sleep(60);
      expect(recorder.messages).toEqual([true, false]);
    });
  });
});
