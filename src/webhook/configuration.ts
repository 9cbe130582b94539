/**
 * The MutatingWebhookConfiguration that routes pool pod creations to the webhook. The tests and
 * url-registered webhooks apply it from here; the chart's template must render the same object
 * (the helm test compares the two field by field).
 */
import type { AdmissionregistrationV1Api, V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { API_GROUP, KIND, POOL_LABEL } from '../api/labels.js';
import { PodpoolError } from '../errors.js';
import { apiStatus } from '../kube/api-status.js';

/** The one path the webhook serves. */
export const MUTATE_POD_PATH = '/mutate-v1-pod';
export const WEBHOOK_NAME = `pods.${API_GROUP}`;
/** The chart's name for it (the release name for a release called podpool) and the operator's --webhook-config default. */
export const DEFAULT_CONFIGURATION_NAME = 'podpool';
export const DEFAULT_WEBHOOK_PORT = 9443;
/** The API server waits this long per call; the webhook answers from memory in well under a millisecond. */
export const WEBHOOK_TIMEOUT_SECONDS = 5;
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** The label the chart puts on the operator's own pods (app.kubernetes.io/name: podpool). */
export const OPERATOR_POD_LABEL = { key: 'app.kubernetes.io/name', value: 'podpool' } as const;

/**
 * CEL, evaluated by the API server before it calls the webhook: the pod names a pool by label or
 * by an owner reference to a PodPool (any version of the group). Other pods cost no network hop,
 * and a podpool outage cannot touch them. The chart's template carries the same expression.
 */
export const NAMES_A_POOL_EXPRESSION =
  `(has(object.metadata.labels) && '${POOL_LABEL}' in object.metadata.labels) || ` +
  `(has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(owner, owner.kind == '${KIND}' && owner.apiVersion.startsWith('${API_GROUP}/')))`;

export type WebhookTarget =
  | { service: { name: string; namespace: string; port?: number } }
  /** For webhooks outside the cluster, e.g. a test process on 127.0.0.1. */
  | { url: string };

export interface WebhookConfigurationOptions {
  target: WebhookTarget;
  /** The operator's namespace; the webhook never sees pods there (nor in kube-system). */
  operatorNamespace: string;
  name?: string;
  /** PEM list the API server trusts for this webhook; empty when cert-manager injects it. */
  trustBundlePem?: string;
  /** Value of app.kubernetes.io/name on the operator's pods (default podpool); they never reach the webhook. */
  operatorPodName?: string;
}

function clientConfig(
  target: WebhookTarget,
  trustBundlePem: string | undefined,
): NonNullable<V1MutatingWebhookConfiguration['webhooks']>[number]['clientConfig'] {
  const caBundle = trustBundlePem ? { caBundle: Buffer.from(trustBundlePem, 'utf8').toString('base64') } : {};
  if ('url' in target) return { url: new URL(MUTATE_POD_PATH, target.url).toString(), ...caBundle };
  const { name, namespace, port } = target.service;
  return { service: { name, namespace, port: port ?? DEFAULT_WEBHOOK_PORT, path: MUTATE_POD_PATH }, ...caBundle };
}

export function webhookConfiguration(options: WebhookConfigurationOptions): V1MutatingWebhookConfiguration {
  const excludedNamespaces = [...new Set(['kube-system', options.operatorNamespace])];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: options.name ?? DEFAULT_CONFIGURATION_NAME, labels: { 'app.kubernetes.io/managed-by': 'podpool' } },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        admissionReviewVersions: ['v1'],
        clientConfig: clientConfig(options.target, options.trustBundlePem),
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
        // Only pods that name a pool reach the webhook. A label selector cannot see owner
        // references, so the choice is a CEL condition; the objectSelector only keeps the
        // operator's own pods out, wherever they run.
        matchConditions: [{ name: 'names-a-pool', expression: NAMES_A_POOL_EXPRESSION }],
        objectSelector: {
          matchExpressions: [
            { key: OPERATOR_POD_LABEL.key, operator: 'NotIn', values: [options.operatorPodName ?? OPERATOR_POD_LABEL.value] },
          ],
        },
        namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: excludedNamespaces }] },
        // Ignore: when no replica answers (rollout, certificate trouble, network policy), pool pods
        // are still created, just unstamped; the controller relabels them and raises Degraded
        // ("webhook not called"). With Fail, a webhook outage would stop the pool from refilling
        // exactly when the operator is unhealthy, turning a labelling delay into cold reservations.
        // The price: denials (unknown pool, state=reserved) are best effort while the webhook is down.
        failurePolicy: 'Ignore',
        sideEffects: 'None',
        timeoutSeconds: WEBHOOK_TIMEOUT_SECONDS,
        matchPolicy: 'Equivalent',
        // Stamping is idempotent, so re-running after a later webhook changed labels is safe.
        reinvocationPolicy: 'IfNeeded',
      },
    ],
  };
}

const MAX_APPLY_ATTEMPTS = 3;

/**
 * Creates the configuration, or replaces an existing one (with its resourceVersion, re-reading
 * on conflict). For url-registered webhooks in tests and for operators that own their config;
 * a Helm-installed configuration only needs patchCaBundle.
 */
export async function applyWebhookConfiguration(
  admission: AdmissionregistrationV1Api,
  configuration: V1MutatingWebhookConfiguration,
): Promise<void> {
  const name = configuration.metadata?.name;
  if (!name) throw new PodpoolError('InvalidArgument', 'the MutatingWebhookConfiguration needs metadata.name');
  for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt += 1) {
    try {
      await admission.createMutatingWebhookConfiguration({ body: configuration });
      return;
    } catch (error) {
      if (apiStatus(error) !== 409) throw error;
    }
    try {
      const existing = await admission.readMutatingWebhookConfiguration({ name });
      const body = { ...configuration, metadata: { ...configuration.metadata, resourceVersion: existing.metadata?.resourceVersion } };
      await admission.replaceMutatingWebhookConfiguration({ name, body });
      return;
    } catch (error) {
      // 404: deleted between our create and read; 409: changed between read and replace. Start over.
      if (apiStatus(error) !== 404 && apiStatus(error) !== 409) throw error;
    }
  }
  throw new PodpoolError('Conflict', `MutatingWebhookConfiguration ${name} kept changing under us (${MAX_APPLY_ATTEMPTS} attempts)`);
}
