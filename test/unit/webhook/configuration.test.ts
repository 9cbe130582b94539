import { describe, expect, it } from 'vitest';
import { webhookConfiguration } from '../../../src/webhook/configuration.js';

describe('webhookConfiguration', () => {
  it('routes pod creations that name a pool to the Service, scoped away from kube-system and the operator', () => {
    const configuration = webhookConfiguration({ target: { service: { name: 'podpool-webhook', namespace: 'podpool-system' } }, operatorNamespace: 'podpool-system' });
    const [webhook] = configuration.webhooks ?? [];
    expect(configuration.metadata?.name).toBe('podpool-webhook');
    expect(webhook).toMatchObject({
      name: 'pods.podpool.dev',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      timeoutSeconds: 5,
      failurePolicy: 'Ignore',
      clientConfig: { service: { name: 'podpool-webhook', namespace: 'podpool-system', port: 9443, path: '/mutate-v1-pod' } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      objectSelector: { matchExpressions: [{ key: 'podpool.dev/pool', operator: 'Exists' }] },
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'podpool-system'] }] },
    });
    expect(webhook?.clientConfig).not.toHaveProperty('caBundle');
  });

  it('takes a url and a trust bundle (base64) for a webhook outside the cluster', () => {
    const configuration = webhookConfiguration({ target: { url: 'https://127.0.0.1:9443' }, operatorNamespace: 'ops', trustBundlePem: 'PEM', name: 'test-hook' });
    expect(configuration.webhooks?.[0]?.clientConfig).toEqual({ url: 'https://127.0.0.1:9443/mutate-v1-pod', caBundle: Buffer.from('PEM').toString('base64') });
    expect(configuration.metadata?.name).toBe('test-hook');
  });
});
