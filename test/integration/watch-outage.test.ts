/**
 * A watch that cannot resume: the operator stops reading while pods and pools change, etcd is
 * compacted past its last resourceVersion and the API server restarts, so its watches come back
 * to 410 Gone. The informers must re-list, see the deletions made meanwhile, and pools converge.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL } from '../../src/api/labels.js';
import { adminKubeConfig, createNamespace, createPodPool, eventually, installCrd, TEST_POD_TEMPLATE } from './support/cluster.js';
import { scrape, sumOf } from '../../dev/probes/metrics.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';

const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };

describe('informers after 410 Gone', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let namespace: string;
  let operator: OperatorProcess;

  const livePods = async (pool: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `${POOL_LABEL}=${pool}` })).items.filter(
      (p) => p.metadata?.deletionTimestamp === undefined,
    );
  const readyPods = async (pool: string, count: number): Promise<V1Pod[] | undefined> => {
    const pods = await livePods(pool);
    return pods.length === count && pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      ? pods
      : undefined;
  };
  const control = async (action: string): Promise<string> => {
    const response = await fetch(`${inject('controlUrl')}/${action}`, { method: 'POST' });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${action}: ${text}`);
    return text;
  };
  const pool = (name: string, replicas: number): Promise<void> =>
    createPodPool(kc, namespace, name, { replicas, scaleDownStabilizationSeconds: 0, warmupSeconds: 5, podTemplate: TEST_POD_TEMPLATE });

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrd(kc);
    namespace = await createNamespace(kc, 'gone');
    operator = await startOperatorProcess({ leaseNamespace: await createNamespace(kc, 'goneop'), identity: 'gone-a' });
  });

  afterAll(async () => {
    operator?.resume();
    await operator?.stop();
  });

  it('re-lists, sees the deletions made while it was away, and the pools converge', async () => {
    await pool('keep', 3);
    await pool('doomed', 2);
    const kept = await eventually('3 Ready pods of keep', () => readyPods('keep', 3), 45_000);
    await eventually('2 Ready pods of doomed', () => readyPods('doomed', 2), 45_000);
    const listsBefore = await scrape(operator.metricsPort);

    operator.pause();
    try {
      // The first restart drops the operator's watches before anything changes, so no event of
      // the changes below waits in its socket buffers.
      await control('restart-apiserver');
      const deleted = kept.slice(0, 2).map((p) => p.metadata?.name ?? '');
      await Promise.all(deleted.map((name) => core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 })));
      await custom.deleteNamespacedCustomObject({ ...ref, namespace, name: 'doomed' });
      await pool('born', 2);
      // The garbage collector takes the deleted pool's pods; the deleted pods are gone for good.
      await eventually(
        'the changes made in the API',
        async () => (await livePods('doomed')).length === 0 && (await livePods('keep')).length === 1,
        30_000,
      );
      const revision = Number(await control('compact-etcd'));
      expect(revision).toBeGreaterThan(0);
      // A fresh watch cache starts after the compaction: the operator's resourceVersions are too old.
      await control('restart-apiserver');
    } finally {
      operator.resume();
    }

    // Seeing the two deletions, the controller replaces exactly those pods; the new pool fills.
    await eventually('keep back at 3 Ready pods', () => readyPods('keep', 3), 60_000);
    await eventually('born at 2 Ready pods', () => readyPods('born', 2), 60_000);
    const after = await scrape(operator.metricsPort);
    for (const resource of ['pods', 'podpools']) {
      expect(
        sumOf(after, 'podpool_informer_lists_total', { resource }),
        `${resource} re-listed (operator log: ${operator.logFile})`,
      ).toBeGreaterThan(sumOf(listsBefore, 'podpool_informer_lists_total', { resource }));
    }
    expect(sumOf(after, 'podpool_pods_created_total', { namespace, pool: 'keep' })).toBe(5);
    // The deleted pool is gone from the operator's cache too: its scaler no longer knows it.
    const doomed = await fetch(`http://127.0.0.1:${operator.metricsPort}/scaler/v1/namespaces/${namespace}/podpools/doomed`);
    expect(doomed.status).toBe(404);
    expect(await (await fetch(`http://127.0.0.1:${operator.metricsPort}/readyz`)).text()).toContain('podpools: ok');
  }, 180_000);
});
