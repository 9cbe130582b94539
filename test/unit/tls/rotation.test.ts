import { X509Certificate } from 'node:crypto';
import { ApiException, type V1MutatingWebhookConfiguration, type V1Secret } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleFromSecret, patchCaBundle, type CaBundleApi, type SecretApi } from '../../../src/tls/secret-store.js';
import { newCertificateBundle, splitPemCertificates, type PemPair } from '../../../src/tls/certificates.js';
import { SecretCertificateRotation } from '../../../src/tls/rotation.js';
import { signedBy } from '../../../src/tls/trust-bundle.js';

const SECOND = 1_000;
const start = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number): Date => new Date(start.getTime() + seconds * SECOND);
const identity = { dnsNames: ['podpool-webhook.podpool-system.svc'] };
const lifetimes = { servingLifetimeMs: 60 * SECOND, authorityLifetimeMs: 120 * SECOND };
const notFound = (): ApiException<string> => new ApiException(404, 'not found', '', {});
const conflict = (): ApiException<string> => new ApiException(409, 'conflict', '', {});

/** The Secret API of one namespace, in memory, with resourceVersion checks like the API server's. */
function fakeSecrets(): SecretApi & { secret: V1Secret | undefined } {
  let version = 0;
  const stored = (body: V1Secret): V1Secret => ({
    ...structuredClone(body),
    metadata: { ...body.metadata, resourceVersion: String((version += 1)) },
  });
  const fake = {
    secret: undefined as V1Secret | undefined,
    readNamespacedSecret: () => (fake.secret === undefined ? Promise.reject(notFound()) : Promise.resolve(structuredClone(fake.secret))),
    createNamespacedSecret: ({ body }: { body: V1Secret }) => {
      if (fake.secret !== undefined) return Promise.reject(conflict());
      fake.secret = stored(body);
      return Promise.resolve(fake.secret);
    },
    replaceNamespacedSecret: ({ body }: { body: V1Secret }) => {
      if (body.metadata?.resourceVersion !== fake.secret?.metadata?.resourceVersion) return Promise.reject(conflict());
      fake.secret = stored(body);
      return Promise.resolve(fake.secret);
    },
  };
  return fake as unknown as SecretApi & { secret: V1Secret | undefined };
}

/** A MutatingWebhookConfiguration whose patches apply JSON Patch test/add, or fail while `failing`. */
function fakeConfiguration(): CaBundleApi & { configuration: V1MutatingWebhookConfiguration; failing: boolean; patches: number } {
  const fake = {
    failing: false,
    patches: 0,
    configuration: {
      metadata: { name: 'podpool' },
      webhooks: [{ name: 'pods.podpool.dev', clientConfig: {} }],
    } as V1MutatingWebhookConfiguration,
    readMutatingWebhookConfiguration: () => Promise.resolve(structuredClone(fake.configuration)),
    patchMutatingWebhookConfiguration: ({ body }: { body: Array<{ op: string; path: string; value: unknown }> }) => {
      if (fake.failing) return Promise.reject(new ApiException(500, 'etcd is having a bad day', '', {}));
      const webhook = fake.configuration.webhooks![0]!;
      for (const operation of body) {
        const current = operation.path.endsWith('/name') ? webhook.name : webhook.clientConfig.caBundle;
        if (operation.op === 'test' && current !== operation.value) return Promise.reject(new ApiException(422, 'test failed', '', {}));
        if (operation.op === 'add') webhook.clientConfig.caBundle = String(operation.value);
      }
      fake.patches += 1;
      return Promise.resolve(fake.configuration);
    },
  };
  return fake as unknown as CaBundleApi & { configuration: V1MutatingWebhookConfiguration; failing: boolean; patches: number };
}

const caBundlePem = (configuration: V1MutatingWebhookConfiguration): string =>
  Buffer.from(configuration.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64').toString('utf8');

let rotation: SecretCertificateRotation | undefined;
afterEach(() => rotation?.stop());

function rig(checkIntervalMs?: number) {
  const secrets = fakeSecrets();
  const admission = fakeConfiguration();
  const served: PemPair[] = [];
  const clock = { now: start };
  rotation = new SecretCertificateRotation({
    core: secrets,
    admission,
    secret: { namespace: 'podpool-system', name: 'podpool-tls' },
    webhookConfigurationName: 'podpool',
    identity,
    target: { setCertificate: (pair) => served.push(pair) },
    certificateOptions: lifetimes,
    checkIntervalMs,
    clock: { now: () => clock.now.getTime() },
    log: pino({ level: 'silent' }),
  });
  const authority = (): string => bundleFromSecret(secrets.secret!)!.authority.certPem;
  return { rotation, secrets, admission, served, clock, authority };
}

describe('SecretCertificateRotation', () => {
  it('patches the caBundle with old and new CA before serving a certificate from the new CA', async () => {
    const { rotation, admission, served, clock, authority } = rig();
    await rotation.check();
    const firstAuthority = authority();
    expect(served).toHaveLength(1);
    expect(caBundlePem(admission.configuration)).toBe(firstAuthority);

    // A serving renewal from the trusted CA goes into service even while the caBundle cannot be patched.
    admission.failing = true;
    clock.now = at(45);
    await rotation.check();
    expect(served).toHaveLength(2);
    expect(signedBy(served[1]!.certPem, firstAuthority)).toBe(true);

    // CA rotation while patches fail: the Secret has the new CA, the replica keeps the old certificate.
    clock.now = at(80);
    await rotation.check();
    const secondAuthority = authority();
    expect(secondAuthority).not.toBe(firstAuthority);
    expect(served).toHaveLength(2);
    expect(caBundlePem(admission.configuration)).toBe(firstAuthority);

    // Once the patch goes through, the bundle trusts both CAs and only then the new certificate is served.
    admission.failing = false;
    clock.now = at(82);
    await rotation.check();
    expect(splitPemCertificates(caBundlePem(admission.configuration))).toEqual([secondAuthority, firstAuthority]);
    expect(served).toHaveLength(3);
    expect(signedBy(served[2]!.certPem, secondAuthority)).toBe(true);
    expect(rotation.servedCertificate()).toEqual({ certPem: served[2]!.certPem, authorityPem: secondAuthority });
  });

  it('keeps the old CA in the bundle while certificates it signed are valid, then drops it', async () => {
    const { rotation, admission, served, clock, authority } = rig();
    await rotation.check();
    clock.now = at(45);
    await rotation.check();
    const lastFromFirst = new X509Certificate(served.at(-1)!.certPem);
    const firstAuthority = authority();
    clock.now = at(80);
    await rotation.check();
    expect(lastFromFirst.validToDate.getTime()).toBeLessThanOrEqual(new X509Certificate(firstAuthority).validToDate.getTime());
    clock.now = at(100);
    await rotation.check();
    expect(splitPemCertificates(caBundlePem(admission.configuration))).toEqual([authority(), firstAuthority]);
    // The first serving renewal after the old CA expired (at 120 s) leaves only the new CA.
    clock.now = at(125);
    await rotation.check();
    expect(splitPemCertificates(caBundlePem(admission.configuration))).toEqual([authority()]);
  });

  it('serves the first certificate even when the caBundle cannot be patched yet, and retries the patch soon', async () => {
    const { rotation, admission, served } = rig(50);
    admission.failing = true;
    await rotation.check();
    expect(served).toHaveLength(1);
    expect(admission.patches).toBe(0);
    admission.failing = false;
    await expect.poll(() => admission.patches, { timeout: 5_000 }).toBe(1);
    expect(served).toHaveLength(1);
  });
});

describe('patchCaBundle', () => {
  it('adds a new CA, and keeps a newer one when the caller read the Secret before another replica rotated it', async () => {
    const admission = fakeConfiguration();
    const older = await newCertificateBundle(identity, start, lifetimes);
    const newer = await newCertificateBundle(identity, at(80), lifetimes, older);
    expect(await patchCaBundle(admission, 'podpool', older.trustBundlePem, at(1))).toBe('patched');
    expect(await patchCaBundle(admission, 'podpool', newer.trustBundlePem, at(81))).toBe('patched');
    expect(await patchCaBundle(admission, 'podpool', older.trustBundlePem, at(82))).toBe('unchanged');
    expect(caBundlePem(admission.configuration)).toBe(newer.trustBundlePem);
    expect(admission.patches).toBe(2);
  });

  it('fails instead of overwriting a caBundle that changed since it was read', async () => {
    const admission = fakeConfiguration();
    const bundle = await newCertificateBundle(identity, start, lifetimes);
    admission.configuration.webhooks![0]!.clientConfig.caBundle = 'c29tZXRoaW5nIGVsc2U=';
    const read = admission.readMutatingWebhookConfiguration.bind(admission);
    admission.readMutatingWebhookConfiguration = async (...args) => {
      const seen = await read(...args);
      admission.configuration.webhooks![0]!.clientConfig.caBundle = 'Y2hhbmdlZA==';
      return seen;
    };
    await expect(patchCaBundle(admission, 'podpool', bundle.trustBundlePem, at(1))).rejects.toMatchObject({ code: 422 });
    expect(admission.configuration.webhooks![0]!.clientConfig.caBundle).toBe('Y2hhbmdlZA==');
  });
});
