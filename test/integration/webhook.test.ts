import { AdmissionregistrationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_GROUP,
  API_GROUP_VERSION,
  API_VERSION,
  KIND,
  PLURAL,
  POOL_LABEL,
  STATE_LABEL,
  TEMPLATE_HASH_LABEL,
} from '../../src/api/labels.js';
import { templateHash } from '../../src/pool/template-hash.js';
import { applyWebhookConfiguration, KubeLivePoolReader, webhookConfiguration } from '../../src/webhook/index.js';
import { adminKubeConfig, createNamespace, createPodPool, eventually, installCrd } from './support/cluster.js';
import { freePort } from '../../dev/cluster/control-plane.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';

const podTemplate = {
  metadata: { labels: { app: 'web', 'example.com/tier': 'sandbox' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
};

describe('the admission webhook, called by a real kube-apiserver over TLS', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let admission: AdmissionregistrationV1Api;
  let operatorNamespace: string;
  let namespace: string;
  let configurationName: string;
  let operator: OperatorProcess;
  let webhookPort: number;

  const start = async (identity: string): Promise<OperatorProcess> =>
    startOperatorProcess({
      leaseNamespace: operatorNamespace,
      identity,
      extraArgs: [`--webhook-port=${webhookPort}`, `--webhook-config=${configurationName}`, '--tls-secret=podpool-it-tls'],
    });

  const caBundle = async (): Promise<string | undefined> =>
    (await admission.readMutatingWebhookConfiguration({ name: configurationName })).webhooks?.[0]?.clientConfig.caBundle;

  const createPod = (name: string, labels: Record<string, string>) =>
    core.createNamespacedPod({ namespace, body: { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    admission = kc.makeApiClient(AdmissionregistrationV1Api);
    await installCrd(kc);
    operatorNamespace = await createNamespace(kc, 'whop');
    namespace = await createNamespace(kc, 'wh');
    configurationName = `podpool-it-${namespace}`;
    webhookPort = await freePort();
    const configuration = webhookConfiguration({
      target: { url: `https://127.0.0.1:${webhookPort}` },
      operatorNamespace,
      name: configurationName,
    });
    // Only this test's namespace, so other test files sharing the control plane are not affected.
    configuration.webhooks![0]!.namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
    configuration.webhooks![0]!.failurePolicy = 'Fail';
    await applyWebhookConfiguration(admission, configuration);
    operator = await start('wh-a');
    await eventually('the operator to patch the caBundle', async () => (await caBundle()) !== undefined);
    // No wait for the operator's cache: a pool it has not seen yet is read from the API server.
    await createPodPool(kc, namespace, 'web', { replicas: 0, maxPoolSize: 5, podTemplate });
  });

  afterAll(async () => {
    await admission.deleteMutatingWebhookConfiguration({ name: configurationName }).catch(() => undefined);
    await operator?.stop();
  });

  it('stamps a pool pod created through the API server', async () => {
    const pod = await createPod('stamped', { [POOL_LABEL]: 'web', other: 'kept' });
    expect(pod.metadata?.labels).toEqual({
      [POOL_LABEL]: 'web',
      [STATE_LABEL]: 'warming',
      [TEMPLATE_HASH_LABEL]: templateHash(podTemplate),
      app: 'web',
      'example.com/tier': 'sandbox',
      other: 'kept',
    });
  });

  it('stamps a pod tied to its pool only by an owner reference (no label): the match condition routes it', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const pool = (await custom.getNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      plural: PLURAL,
      namespace,
      name: 'web',
    })) as { metadata: { uid: string } };
    const pod = await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name: 'owned',
          ownerReferences: [{ apiVersion: API_GROUP_VERSION, kind: KIND, name: 'web', uid: pool.metadata.uid, controller: true }],
        },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    });
    expect(pod.metadata?.labels).toEqual({
      [POOL_LABEL]: 'web',
      [STATE_LABEL]: 'warming',
      [TEMPLATE_HASH_LABEL]: templateHash(podTemplate),
      app: 'web',
      'example.com/tier': 'sandbox',
    });
  });

  it("routes an owner reference to a PodPool of any podpool.dev version, and not another group's PodPool (the API server evaluates the match condition)", async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const pool = (await custom.getNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      plural: PLURAL,
      namespace,
      name: 'web',
    })) as { metadata: { uid: string } };
    const ownedBy = (name: string, apiVersion: string) =>
      core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name, ownerReferences: [{ apiVersion, kind: KIND, name: 'web', uid: pool.metadata.uid }] },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      });
    expect((await ownedBy('owned-next-version', `${API_GROUP}/v1`)).metadata?.labels).toMatchObject({
      [POOL_LABEL]: 'web',
      [STATE_LABEL]: 'warming',
    });
    expect((await ownedBy('owned-elsewhere', 'example.com/v1')).metadata?.labels).toBeUndefined();
  });

  it('stamps pods of a pool created a moment ago instead of denying them (the cache may not have it yet)', async () => {
    for (let index = 0; index < 5; index += 1) {
      await createPodPool(kc, namespace, `fresh-${index}`, { replicas: 0, maxPoolSize: 5, podTemplate });
      const pod = await createPod(`fresh-${index}-pod`, { [POOL_LABEL]: `fresh-${index}` });
      expect(pod.metadata?.labels?.[STATE_LABEL]).toBe('warming');
    }
  });

  it('reads a pool live from the API server, and a missing one as absent (the check before a denial)', async () => {
    const live = KubeLivePoolReader.fromKubeConfig(kc);
    expect((await live.readPool(namespace, 'web'))?.spec.podTemplate).toEqual(podTemplate);
    expect(await live.readPool(namespace, 'nope')).toBeUndefined();
  });

  it("leaves a pod outside any pool untouched, and never sees the operator's own pods", async () => {
    expect((await createPod('plain', { app: 'plain' })).metadata?.labels).toEqual({ app: 'plain' });
    // Would be denied (no such pool) if the webhook saw it: the objectSelector keeps it out.
    const operatorLabels = { 'app.kubernetes.io/name': 'podpool', [POOL_LABEL]: 'nope' };
    expect((await createPod('operator-like', operatorLabels)).metadata?.labels).toEqual(operatorLabels);
  });

  it('denies a pod naming a pool that does not exist, and one claiming to be reserved', async () => {
    await expect(createPod('typo', { [POOL_LABEL]: 'nope' })).rejects.toMatchObject({ code: 403 });
    await expect(createPod('sneaky', { [POOL_LABEL]: 'web', [STATE_LABEL]: 'reserved' })).rejects.toMatchObject({ code: 403 });
  });

  it('keeps admitting after the certificate authority is rotated', async () => {
    const before = await caBundle();
    await operator.stop();
    await core.deleteNamespacedSecret({ name: 'podpool-it-tls', namespace: operatorNamespace });
    operator = await start('wh-b');
    await eventually('the new CA in the caBundle', async () => (await caBundle()) !== before);
    const pod = await eventually('admission with the new certificate', async () =>
      createPod(`after-${Date.now()}`, { [POOL_LABEL]: 'web' }),
    );
    expect(pod.metadata?.labels?.[STATE_LABEL]).toBe('warming');
  });
});
