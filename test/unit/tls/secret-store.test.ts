import { beforeAll, describe, expect, it } from 'vitest';
import { bundleFromSecret, certificateSecret } from '../../../src/tls/secret-store.js';
import { newCertificateBundle, type CertificateBundle } from '../../../src/tls/certificates.js';

// The API calls (create-or-read, 409 handling, caBundle patch) are covered by the integration
// suite against a real kube-apiserver; these are the pure conversions they rely on.
let bundle: CertificateBundle;
beforeAll(async () => {
  bundle = await newCertificateBundle({ dnsNames: ['podpool-webhook.podpool-system.svc'] }, new Date());
});

describe('certificate Secret', () => {
  it('is a kubernetes.io/tls Secret whose tls.crt/tls.key are the serving pair', () => {
    const secret = certificateSecret({ namespace: 'podpool-system', name: 'podpool-webhook-tls' }, bundle);
    expect(secret).toMatchObject({ type: 'kubernetes.io/tls', metadata: { name: 'podpool-webhook-tls', namespace: 'podpool-system' } });
    expect(secret.metadata).not.toHaveProperty('resourceVersion');
    expect(Buffer.from(secret.data!['tls.crt']!, 'base64').toString()).toBe(bundle.serving.certPem);
    expect(Object.keys(secret.data!).sort()).toEqual(['ca-bundle.crt', 'ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
  });

  it('replaces only the data of an existing Secret: its type, labels, annotations stay, guarded by its resourceVersion', () => {
    const existing = {
      type: 'Opaque',
      metadata: {
        name: 's',
        namespace: 'n',
        resourceVersion: '42',
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'helm.sh/resource-policy': 'keep', 'meta.helm.sh/release-name': 'podpool' },
      },
    };
    const secret = certificateSecret({ namespace: 'n', name: 's' }, bundle, existing);
    expect(secret).toMatchObject({ type: 'Opaque', metadata: existing.metadata });
    expect(bundleFromSecret(secret)).toEqual(bundle);
  });

  it('round-trips the bundle, and reads a Secret missing a key as no bundle', () => {
    const secret = certificateSecret({ namespace: 'n', name: 's' }, bundle);
    expect(bundleFromSecret(secret)).toEqual(bundle);
    const { 'ca.key': _dropped, ...partial } = secret.data!;
    expect(bundleFromSecret({ ...secret, data: partial })).toBeUndefined();
    expect(bundleFromSecret({})).toBeUndefined();
  });
});
