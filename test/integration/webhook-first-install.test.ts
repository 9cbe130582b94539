/**
 * First install as the chart does it: two replicas start at the same moment on the empty TLS
 * Secret the chart creates, behind one address that spreads connections over both (as a Service
 * does). They must settle on one CA and one serving certificate, the caBundle must trust it, and
 * no admission may fail meanwhile.
 */
import { createServer, connect as connectTcp, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_LABEL, STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../src/api/labels.js';
import { splitPemCertificates } from '../../src/tls/certificates.js';
import { applyWebhookConfiguration, webhookConfiguration } from '../../src/webhook/index.js';
import { signedBy } from '../../src/tls/trust-bundle.js';
import { freePort } from '../../dev/cluster/control-plane.js';
import { adminKubeConfig, createNamespace, createPodPool, installCrd } from './support/cluster.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';
import { presentedCertificate } from './support/tls.js';

const SECRET = 'podpool-first-tls';

/** A TCP front that hands each new connection to the next backend in turn. */
async function roundRobin(ports: number[]): Promise<{ port: number; server: Server }> {
  let next = 0;
  const server = createServer((client) => {
    const backend = connectTcp({ host: '127.0.0.1', port: ports[next++ % ports.length] as number });
    client.pipe(backend).pipe(client);
    const close = (): void => {
      client.destroy();
      backend.destroy();
    };
    client.once('error', close);
    backend.once('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('two replicas on the empty TLS Secret of a first install', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let admission: AdmissionregistrationV1Api;
  let operatorNamespace: string;
  let namespace: string;
  let configurationName: string;
  let front: { port: number; server: Server };
  let replicas: OperatorProcess[] = [];
  const webhookPorts: number[] = [];

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    admission = kc.makeApiClient(AdmissionregistrationV1Api);
    await installCrd(kc);
    operatorNamespace = await createNamespace(kc, 'firstop');
    namespace = await createNamespace(kc, 'first');
    configurationName = `podpool-first-${namespace}`;
    webhookPorts.push(await freePort(), await freePort());
    front = await roundRobin(webhookPorts);
    // What the chart creates: an Opaque Secret with no data, kept by Helm.
    await core.createNamespacedSecret({
      namespace: operatorNamespace,
      body: { metadata: { name: SECRET, annotations: { 'helm.sh/resource-policy': 'keep' } }, type: 'Opaque' },
    });
    const configuration = webhookConfiguration({
      target: { url: `https://127.0.0.1:${front.port}` },
      operatorNamespace,
      name: configurationName,
    });
    configuration.webhooks![0]!.namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
    // Fail: an untrusted certificate on either replica fails the pod creation instead of skipping the webhook.
    configuration.webhooks![0]!.failurePolicy = 'Fail';
    await applyWebhookConfiguration(admission, configuration);
    await createPodPool(kc, namespace, 'web', { replicas: 0, maxPoolSize: 50 });
  });

  afterAll(async () => {
    await admission.deleteMutatingWebhookConfiguration({ name: configurationName }).catch(() => undefined);
    await Promise.all(replicas.map((replica) => replica.stop()));
    front?.server.close();
  });

  it('converge on one CA and one certificate that the caBundle trusts, admitting every pod meanwhile', async () => {
    replicas = await Promise.all(
      webhookPorts.map((port, i) =>
        startOperatorProcess({
          leaseNamespace: operatorNamespace,
          identity: `first-${i}`,
          extraArgs: [`--webhook-port=${port}`, `--webhook-config=${configurationName}`, `--tls-secret=${SECRET}`],
        }),
      ),
    );

    // From the moment both say they are ready, every admission (spread over both) succeeds and stamps.
    for (let i = 0; i < 20; i += 1) {
      const pod = await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: `first-${i}`, labels: { [POOL_LABEL]: 'web' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      });
      expect(pod.metadata?.labels?.[STATE_LABEL], `pod ${i}`).toBe('warming');
      expect(pod.metadata?.labels?.[TEMPLATE_HASH_LABEL], `pod ${i}`).toMatch(/^[0-9a-f]{10}$/);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const secret = (await core.readNamespacedSecret({ namespace: operatorNamespace, name: SECRET })).data ?? {};
    const decode = (key: string): string => Buffer.from(secret[key] ?? '', 'base64').toString('utf8');
    const authority = decode('ca.crt');
    expect(splitPemCertificates(authority)).toHaveLength(1);
    const [first, second] = await Promise.all(webhookPorts.map((port) => presentedCertificate(port)));
    // One serving certificate, the Secret's, signed by the Secret's one CA, on both replicas.
    expect(first?.serialNumber).toBe(second?.serialNumber);
    expect(first?.toString().trim()).toBe(splitPemCertificates(decode('tls.crt'))[0]?.trim());
    expect(signedBy(first?.toString() ?? '', authority)).toBe(true);
    const caBundle = (await admission.readMutatingWebhookConfiguration({ name: configurationName })).webhooks?.[0]?.clientConfig.caBundle;
    const trusted = splitPemCertificates(Buffer.from(caBundle ?? '', 'base64').toString('utf8')).map((pem) => pem.trim());
    expect(trusted).toContain(authority.trim());
  }, 120_000);
});
