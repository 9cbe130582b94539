import { readFileSync } from 'node:fs';
import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_LABEL, STATE_LABEL } from '../../src/api/labels.js';
import { applyWebhookConfiguration, webhookConfiguration } from '../../src/webhook/index.js';
import { splitPemCertificates } from '../../src/tls/certificates.js';
import { signedBy } from '../../src/tls/trust-bundle.js';
import { freePort } from '../../dev/cluster/control-plane.js';
import { adminKubeConfig, createNamespace, createPodPool, eventually, installCrd } from './support/cluster.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';
import { presentedCertificate } from './support/tls.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Observation {
  serial: string;
  /** PEM of the caBundle CA that signed the presented certificate. */
  signer: string;
  caBundle: string[];
}

describe('webhook certificate rotation in a running operator (short validity)', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let admission: AdmissionregistrationV1Api;
  let namespace: string;
  let configurationName: string;
  let webhookPort: number;
  let operator: OperatorProcess;

  const caBundle = async (): Promise<string[]> => {
    const encoded = (await admission.readMutatingWebhookConfiguration({ name: configurationName })).webhooks?.[0]?.clientConfig.caBundle;
    return splitPemCertificates(Buffer.from(encoded ?? '', 'base64').toString('utf8'));
  };

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    admission = kc.makeApiClient(AdmissionregistrationV1Api);
    await installCrd(kc);
    const operatorNamespace = await createNamespace(kc, 'rotop');
    namespace = await createNamespace(kc, 'rot');
    configurationName = `podpool-rot-${namespace}`;
    webhookPort = await freePort();
    const configuration = webhookConfiguration({
      target: { url: `https://127.0.0.1:${webhookPort}` },
      operatorNamespace,
      name: configurationName,
    });
    configuration.webhooks![0]!.namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
    // Fail: a certificate the API server does not trust fails the pod creation instead of skipping the webhook.
    configuration.webhooks![0]!.failurePolicy = 'Fail';
    await applyWebhookConfiguration(admission, configuration);
    operator = await startOperatorProcess({
      leaseNamespace: operatorNamespace,
      identity: 'rot-a',
      extraArgs: [
        `--webhook-port=${webhookPort}`,
        `--webhook-config=${configurationName}`,
        '--tls-secret=podpool-rot-tls',
        // Serving certificate renewed at about 20 s, CA at about 40 s.
        '--cert-validity=30s',
        '--ca-validity=60s',
        '--cert-check-interval=1s',
      ],
    });
    await eventually('the operator to patch the caBundle', async () => (await caBundle()).length > 0);
    await createPodPool(kc, namespace, 'web', { replicas: 0, maxPoolSize: 5 });
  });

  afterAll(async () => {
    await admission.deleteMutatingWebhookConfiguration({ name: configurationName }).catch(() => undefined);
    await operator?.stop();
  });

  it('swaps the serving certificate and then the CA without a restart, trusted at every step, admissions stamping throughout', async () => {
    const observations: Observation[] = [];
    const deadline = Date.now() + 100_000;
    let podIndex = 0;
    const rotatedServing = (): boolean =>
      observations.some((o, i) => i > 0 && o.serial !== observations[i - 1]!.serial && o.signer === observations[i - 1]!.signer);
    const rotatedAuthority = (): boolean => new Set(observations.map((o) => o.signer)).size > 1;

    while (!(rotatedServing() && rotatedAuthority())) {
      if (Date.now() > deadline)
        throw new Error(
          `no complete rotation within 100 s; saw ${JSON.stringify(observations.map((o) => o.serial))}; log: ${operator.logFile}`,
        );
      // Certificate first, then the caBundle: the operator patches the bundle before it serves a new CA's certificate.
      const presented = await presentedCertificate(webhookPort);
      const bundle = await caBundle();
      const signer = bundle.find((authority) => signedBy(presented.toString(), authority));
      expect(signer, `certificate ${presented.serialNumber} is not signed by a CA in the caBundle`).toBeDefined();
      observations.push({ serial: presented.serialNumber, signer: signer!, caBundle: bundle });

      podIndex += 1;
      const pod = await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: `pool-pod-${podIndex}`, labels: { [POOL_LABEL]: 'web' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      });
      expect(pod.metadata?.labels?.[STATE_LABEL]).toBe('warming');
      await sleep(500);
    }

    // The CA change: the caBundle held both the old and the new CA when the new CA's certificate was served.
    const firstNewCa = observations.findIndex((o, i) => i > 0 && o.signer !== observations[i - 1]!.signer);
    const before = observations[firstNewCa - 1]!;
    const after = observations[firstNewCa]!;
    expect(after.caBundle).toContain(after.signer);
    expect(after.caBundle).toContain(before.signer);

    // Admissions still stamp after the rotation, and the one operator process neither exited nor started again.
    const pod = await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'after-rotation', labels: { [POOL_LABEL]: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    });
    expect(pod.metadata?.labels?.[STATE_LABEL]).toBe('warming');
    expect(operator.child.exitCode).toBeNull();
    const log = readFileSync(operator.logFile, 'utf8');
    expect(log.match(/"msg":"operator started"/g)).toHaveLength(1);
    expect(log.match(/"msg":"patched caBundle"/g)?.length).toBeGreaterThanOrEqual(2);
  }, 150_000);
});
