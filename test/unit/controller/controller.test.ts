import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PodPoolController } from '../../../src/controller/controller.js';
import type { ClusterCache } from '../../../src/kube/cache.js';
import type { EventRecorder } from '../../../src/kube/events.js';

/** A cache of `count` pools that are all gone by the time they are reconciled: each reconcile only reads. */
function vanishingPools(count: number) {
  const looked: string[] = [];
  const cache = {
    onChange: () => undefined,
    listPools: () => Array.from({ length: count }, (_, i) => ({ metadata: { namespace: 'ns', name: `pool-${i}` } })),
    getPool: (namespace: string, name: string) => {
      looked.push(`${namespace}/${name}`);
      return undefined;
    },
    podsOf: () => [],
  } as unknown as ClusterCache;
  return { cache, looked };
}

function controllerFor(cache: ClusterCache): PodPoolController {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  const events = { record: () => undefined } as unknown as EventRecorder;
  return new PodPoolController(kubeConfig, cache, events, pino({ level: 'silent' }), { workers: 2 });
}

describe('PodPoolController.stop', () => {
  it('drains the queued keys on a graceful stop', async () => {
    const { cache, looked } = vanishingPools(50);
    const controller = controllerFor(cache);
    controller.start();
    await controller.stop();
    expect(new Set(looked).size).toBe(50);
  });

  it('drops the queued keys when leadership is lost, finishing only the reconciles in progress', async () => {
    const { cache, looked } = vanishingPools(50);
    const controller = controllerFor(cache);
    controller.start();
    await controller.stop({ drain: false });
    expect(looked.length).toBeLessThanOrEqual(2);
    expect(controller.running()).toBe(false);
  });

  it('starts again only after the last term has stopped, so no key runs on two workers', async () => {
    const { cache, looked } = vanishingPools(20);
    const controller = controllerFor(cache);
    controller.start();
    const stopped = controller.stop();
    controller.start();
    expect(controller.running()).toBe(false);
    await stopped;
    await new Promise((resolve) => setImmediate(resolve));
    expect(controller.running()).toBe(true);
    await controller.stop();
    expect(looked.length).toBe(40);
  });
});
