import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NAMES_A_POOL_EXPRESSION, webhookConfiguration } from '../../../src/webhook/configuration.js';

describe('webhookConfiguration', () => {
  it('routes pod creations that name a pool (label or PodPool owner) to the Service, scoped away from kube-system and the operator', () => {
    const configuration = webhookConfiguration({
      target: { service: { name: 'podpool-webhook', namespace: 'podpool-system' } },
      operatorNamespace: 'podpool-system',
    });
    const [webhook] = configuration.webhooks ?? [];
    expect(configuration.metadata?.name).toBe('podpool');
    expect(webhook).toMatchObject({
      name: 'pods.podpool.dev',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      timeoutSeconds: 5,
      failurePolicy: 'Ignore',
      clientConfig: { service: { name: 'podpool-webhook', namespace: 'podpool-system', port: 9443, path: '/mutate-v1-pod' } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      matchConditions: [{ name: 'names-a-pool', expression: NAMES_A_POOL_EXPRESSION }],
      objectSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['podpool'] }] },
      namespaceSelector: {
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'podpool-system'] }],
      },
    });
    expect(webhook?.clientConfig).not.toHaveProperty('caBundle');
  });

  it('takes a url and a trust bundle (base64) for a webhook outside the cluster', () => {
    const configuration = webhookConfiguration({
      target: { url: 'https://127.0.0.1:9443' },
      operatorNamespace: 'ops',
      trustBundlePem: 'PEM',
      name: 'test-hook',
    });
    expect(configuration.webhooks?.[0]?.clientConfig).toEqual({
      url: 'https://127.0.0.1:9443/mutate-v1-pod',
      caBundle: Buffer.from('PEM').toString('base64'),
    });
    expect(configuration.metadata?.name).toBe('test-hook');
  });
});

// What the expression admits is tested where it is evaluated, by the API server (test/integration/webhook.test.ts).
describe('the names-a-pool match condition', () => {
  it('is the expression the Helm chart registers', () => {
    const template = readFileSync('charts/podpool/templates/mutatingwebhookconfiguration.yaml', 'utf8');
    // The chart writes it as a folded block scalar (`>-`): its lines joined by single spaces.
    const block = /expression: >-\n((?: {10}.+\n)+)/.exec(template)?.[1] ?? '';
    expect(
      block
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .join(' '),
    ).toBe(NAMES_A_POOL_EXPRESSION);
  });
});
