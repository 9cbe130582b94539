import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { PodPool } from '../../../src/api/schema.js';
import { PodPoolController } from '../../../src/controller/controller.js';
import type { PoolCache } from '../../../src/controller/ports.js';

/** A cache of `count` pools, and a reconciler that only notes which keys it was handed. */
function poolsToReconcile(count: number) {
  const reconciled: string[] = [];
  const cache: PoolCache = {
    onChange: () => undefined,
    listPools: () => Array.from({ length: count }, (_, i) => ({ metadata: { namespace: 'ns', name: `pool-${i}` } }) as PodPool),
    getPool: () => undefined,
    podsOf: () => [],
  };
  const reconciler = {
    reconcile: async (key: string) => {
      reconciled.push(key);
      await new Promise((resolve) => setImmediate(resolve));
      return { requeueAfterMs: 0 };
    },
  };
  const controller = new PodPoolController(cache, reconciler, pino({ level: 'silent' }), { workers: 2 });
  return { controller, reconciled };
}

describe('PodPoolController.stop', () => {
  it('drains the queued keys on a graceful stop', async () => {
    const { controller, reconciled } = poolsToReconcile(50);
    controller.start();
    await controller.stop();
    expect(new Set(reconciled).size).toBe(50);
  });

  it('drops the queued keys when leadership is lost, finishing only the reconciles in progress', async () => {
    const { controller, reconciled } = poolsToReconcile(50);
    controller.start();
    await controller.stop({ drain: false });
    expect(reconciled.length).toBeLessThanOrEqual(2);
    expect(controller.running()).toBe(false);
  });

  it('starts again only after the last term has stopped, so no key runs on two workers', async () => {
    const { controller, reconciled } = poolsToReconcile(20);
    controller.start();
    const stopped = controller.stop();
    controller.start();
    expect(controller.running()).toBe(false);
    await stopped;
    await new Promise((resolve) => setImmediate(resolve));
    expect(controller.running()).toBe(true);
    await controller.stop();
    expect(reconciled.length).toBe(40);
  });
});

describe('PodPoolController work', () => {
  it('retries a key whose reconcile failed, with backoff, until it succeeds', async () => {
    const attempts: string[] = [];
    const cache: PoolCache = {
      onChange: () => undefined,
      listPools: () => [{ metadata: { namespace: 'ns', name: 'flaky' } } as PodPool],
      getPool: () => undefined,
      podsOf: () => [],
    };
    let succeeded!: () => void;
    const done = new Promise<void>((resolve) => (succeeded = resolve));
    const reconciler = {
      reconcile: async (key: string) => {
        attempts.push(key);
        if (attempts.length < 3) throw new Error('API server unavailable');
        succeeded();
        return { requeueAfterMs: 0 };
      },
    };
    const controller = new PodPoolController(cache, reconciler, pino({ level: 'silent' }), { workers: 1 });
    controller.start();
    await done;
    await controller.stop();
    expect(attempts).toEqual(['ns/flaky', 'ns/flaky', 'ns/flaky']);
  });
});
