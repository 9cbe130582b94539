/**
 * The examples a user copies must work unchanged with the real KEDA: examples/podpool.yaml with
 * each examples/scaledobject-*.yaml, and the chart's optional example PodPool and ScaledObject,
 * applied as a user applies them. Only the namespace and the scaler's address are substituted
 * (there is no cluster DNS on the local control plane).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { adminKubeConfig, createNamespace, installCrd } from '../integration/support/cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../integration/support/operator.js';
import { pointAtLoopbackScaler } from '../../dev/cluster/keda.js';
import { apply, eventuallyWithKedaLog, hpaOf, PoolProbe, scaledObjectCondition } from './support/loop.js';

const RELEASE_NAMESPACE = 'podpool-system';

describe('the shipped ScaledObjects with the real KEDA', () => {
  let kc: KubeConfig;
  let operator: OperatorProcess;

  /** What a user applies, with the namespace and the in-cluster scaler address pointed at this run. */
  const localize = (yaml: string, from: string, to: string): string =>
    pointAtLoopbackScaler(
      yaml
        .replaceAll(`namespace: ${from}`, `namespace: ${to}`)
        .replaceAll(`/namespaces/${from}/`, `/namespaces/${to}/`)
        .replaceAll(`podPoolNamespace: "${from}"`, `podPoolNamespace: "${to}"`),
      operator,
    );

  /** The ScaledObject is Ready, its HPA exists and the pool's warm pods are the engine's answer, Ready. */
  const expectDriven = async (namespace: string, scaledObject: string, pool: string): Promise<void> => {
    const probe = new PoolProbe(kc, namespace, pool);
    await eventuallyWithKedaLog(
      `ScaledObject ${namespace}/${scaledObject} Ready with an HPA`,
      async () =>
        scaledObjectCondition(namespace, scaledObject, 'Ready')?.status === 'True' && hpaOf(namespace, scaledObject) !== undefined,
      60_000,
    );
    const desired = await eventuallyWithKedaLog(
      `KEDA to set ${namespace}/${pool} to the engine's answer`,
      async () => {
        const current = await probe.pool();
        const wanted = current.status?.desiredReplicas;
        return wanted !== undefined && wanted > 0 && current.spec.replicas === wanted ? wanted : undefined;
      },
      90_000,
    );
    await eventuallyWithKedaLog(`${desired} Ready warm pods in ${namespace}/${pool}`, () => probe.readyWarm(desired), 60_000);
  };

  beforeAll(async () => {
    kc = adminKubeConfig();
    await installCrd(kc);
    operator = await startOperatorProcess({ leaseNamespace: await createNamespace(kc, 'examples-op'), identity: 'examples' });
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
  });

  it('examples/podpool.yaml with each examples/scaledobject-*.yaml', async () => {
    const pool = readFileSync('examples/podpool.yaml', 'utf8');
    const files = ['scaledobject-external.yaml', 'scaledobject-external-push.yaml', 'scaledobject-metrics-api.yaml'];
    await Promise.all(
      files.map(async (file) => {
        const namespace = await createNamespace(kc, file.replace('.yaml', '').replace('scaledobject-', 'ex-'));
        const scaledObject = readFileSync(join('examples', file), 'utf8');
        const name = String((parseAllDocuments(scaledObject)[0]?.toJS() as { metadata: { name: string } }).metadata.name);
        apply(localize(pool, 'default', namespace));
        apply(localize(scaledObject, 'default', namespace));
        await expectDriven(namespace, name, 'sandboxes');
      }),
    );
  }, 300_000);

  it("the chart's example PodPool and ScaledObject, for each trigger", async () => {
    await Promise.all(
      ['external', 'external-push', 'metrics-api'].map(async (trigger) => {
        const rendered = spawnSync(
          join(inject('binDir'), 'helm'),
          [
            'template',
            'podpool',
            'charts/podpool',
            '--namespace',
            RELEASE_NAMESPACE,
            '--set',
            'example.enabled=true',
            '--set',
            `example.scaledObject.trigger=${trigger}`,
            '--show-only',
            'templates/example.yaml',
          ],
          { encoding: 'utf8' },
        );
        expect(rendered.status, rendered.stderr).toBe(0);
        const namespace = await createNamespace(kc, `chart-${trigger}`);
        apply(localize(rendered.stdout, RELEASE_NAMESPACE, namespace));
        await expectDriven(namespace, 'sandboxes', 'sandboxes');
      }),
    );
  }, 300_000);
});
