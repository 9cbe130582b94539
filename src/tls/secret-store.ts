/**
 * Where the serving certificates (webhook and reservations) live in the cluster: one Secret that
 * every replica shares (so all of them serve certificates from the same CA), and the caBundle of the
 * MutatingWebhookConfiguration (so the API server trusts that CA). Conflicts between replicas
 * are settled the agent-sandbox way: the write that loses re-reads and takes the winner's result.
 */
import {
  type AdmissionregistrationV1Api,
  type CoreV1Api,
  type V1MutatingWebhookConfiguration,
  type V1Secret,
} from '@kubernetes/client-node';
import { PodpoolError } from '../errors.js';
import { apiStatus } from '../kube/api-status.js';
import {
  renewCertificateBundle,
  renewalDecision,
  type CertificateBundle,
  type CertificateOptions,
  type RenewalDecision,
  type ServingIdentity,
} from './certificates.js';
import { caBundleChange } from './trust-bundle.js';

/** Secret keys: tls.crt/tls.key as in a kubernetes.io/tls Secret (and cert-manager), plus the CA and the trust bundle. */
export const SECRET_KEYS = {
  certificate: 'tls.crt',
  key: 'tls.key',
  authorityCertificate: 'ca.crt',
  authorityKey: 'ca.key',
  trustBundle: 'ca-bundle.crt',
} as const;

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'podpool', 'app.kubernetes.io/component': 'webhook' };
const MAX_ATTEMPTS = 3;

export type SecretApi = Pick<CoreV1Api, 'readNamespacedSecret' | 'createNamespacedSecret' | 'replaceNamespacedSecret'>;
export type CaBundleApi = Pick<AdmissionregistrationV1Api, 'readMutatingWebhookConfiguration' | 'patchMutatingWebhookConfiguration'>;

export interface SecretRef {
  namespace: string;
  name: string;
}

export function isApiStatus(error: unknown, code: number): boolean {
  return apiStatus(error) === code;
}

const toBase64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const fromBase64 = (data: string | undefined): string | undefined =>
  data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');

/**
 * The Secret holding `bundle`. Replacing an `existing` Secret changes only its data: its type
 * (immutable; the Helm chart creates it Opaque), labels and annotations (Helm's ownership and
 * `helm.sh/resource-policy: keep`) stay, and its resourceVersion makes the replace fail with a
 * conflict if the Secret changed meanwhile.
 */
export function certificateSecret(ref: SecretRef, bundle: CertificateBundle, existing?: V1Secret): V1Secret {
  const metadata =
    existing === undefined
      ? { name: ref.name, namespace: ref.namespace, labels: MANAGED_BY }
      : {
          name: ref.name,
          namespace: ref.namespace,
          resourceVersion: existing.metadata?.resourceVersion,
          ...(existing.metadata?.labels === undefined ? {} : { labels: existing.metadata.labels }),
          ...(existing.metadata?.annotations === undefined ? {} : { annotations: existing.metadata.annotations }),
        };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: existing?.type ?? 'kubernetes.io/tls',
    metadata,
    data: {
      [SECRET_KEYS.certificate]: toBase64(bundle.serving.certPem),
      [SECRET_KEYS.key]: toBase64(bundle.serving.keyPem),
      [SECRET_KEYS.authorityCertificate]: toBase64(bundle.authority.certPem),
      [SECRET_KEYS.authorityKey]: toBase64(bundle.authority.keyPem),
      [SECRET_KEYS.trustBundle]: toBase64(bundle.trustBundlePem),
    },
  };
}

/** The bundle a Secret holds, or undefined when a key is missing (then it is regenerated). */
export function bundleFromSecret(secret: V1Secret): CertificateBundle | undefined {
  const data = secret.data ?? {};
  const [certPem, keyPem, authorityCertPem, authorityKeyPem, trustBundlePem] = [
    SECRET_KEYS.certificate,
    SECRET_KEYS.key,
    SECRET_KEYS.authorityCertificate,
    SECRET_KEYS.authorityKey,
    SECRET_KEYS.trustBundle,
  ].map((key) => fromBase64(data[key]));
  if (!certPem || !keyPem || !authorityCertPem || !authorityKeyPem || !trustBundlePem) return undefined;
  return { serving: { certPem, keyPem }, authority: { certPem: authorityCertPem, keyPem: authorityKeyPem }, trustBundlePem };
}

async function readSecret(core: SecretApi, ref: SecretRef): Promise<V1Secret | undefined> {
  try {
    return await core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace });
  } catch (error) {
    if (isApiStatus(error, 404)) return undefined;
    throw error;
  }
}

export interface StoredCertificates {
  bundle: CertificateBundle;
  /** What this call did: found usable certificates, or wrote new ones (and why). */
  action: 'read' | 'created' | 'renewed';
  decision: RenewalDecision;
}

/**
 * Returns certificates for `identity` from the shared Secret, creating it when absent and
 * renewing what `renewalDecision` says must be renewed. When another replica wins the race to
 * create or renew (409 Conflict / AlreadyExists), its result is re-read and used.
 */
export async function ensureCertificateSecret(
  core: SecretApi,
  ref: SecretRef,
  identity: ServingIdentity,
  now: Date,
  options: CertificateOptions = {},
): Promise<StoredCertificates> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const secret = await readSecret(core, ref);
    const stored = secret === undefined ? undefined : bundleFromSecret(secret);
    const decision = renewalDecision(stored, identity, now);
    if (decision.renew === 'none' && stored !== undefined) return { bundle: stored, action: 'read', decision };
    const bundle = await renewCertificateBundle(stored, decision, identity, now, options);
    try {
      if (secret === undefined) {
        await core.createNamespacedSecret({ namespace: ref.namespace, body: certificateSecret(ref, bundle) });
        return { bundle, action: 'created', decision };
      }
      await core.replaceNamespacedSecret({ name: ref.name, namespace: ref.namespace, body: certificateSecret(ref, bundle, secret) });
      return { bundle, action: 'renewed', decision };
    } catch (error) {
      if (!isApiStatus(error, 409)) throw error;
    }
  }
  throw new PodpoolError('Conflict', `Secret ${ref.namespace}/${ref.name} kept changing under us (${MAX_ATTEMPTS} attempts); will retry`);
}

export type CaBundlePatch = 'patched' | 'unchanged';

/**
 * Makes the webhooks of a MutatingWebhookConfiguration (all of them, or those named in
 * `webhookNames`) trust `trustBundlePem`, keeping podpool CAs they already trust until those
 * expire (caBundleChange). 'unchanged' when nothing had to be written. Each write is guarded by a
 * JSON Patch "test" of the webhook's name and current caBundle at that index, so a concurrent
 * edit fails the patch instead of being overwritten.
 */
export async function patchCaBundle(
  admission: CaBundleApi,
  configurationName: string,
  trustBundlePem: string,
  now: Date,
  webhookNames?: readonly string[],
): Promise<CaBundlePatch> {
  let configuration: V1MutatingWebhookConfiguration;
  try {
    configuration = await admission.readMutatingWebhookConfiguration({ name: configurationName });
  } catch (error) {
    if (isApiStatus(error, 404))
      throw new PodpoolError('NotFound', `MutatingWebhookConfiguration ${configurationName} does not exist`, { cause: error });
    throw error;
  }
  const operations: object[] = [];
  (configuration.webhooks ?? []).forEach((webhook, index) => {
    if (webhookNames !== undefined && !webhookNames.includes(webhook.name)) return;
    const current = webhook.clientConfig.caBundle;
    const change = caBundleChange(fromBase64(current), trustBundlePem, now);
    if (change.action === 'none') return;
    operations.push({ op: 'test', path: `/webhooks/${index}/name`, value: webhook.name });
    if (current !== undefined) operations.push({ op: 'test', path: `/webhooks/${index}/clientConfig/caBundle`, value: current });
    operations.push({ op: 'add', path: `/webhooks/${index}/clientConfig/caBundle`, value: toBase64(change.bundlePem) });
  });
  if (operations.length === 0) return 'unchanged';
  // client-node sends this body as application/json-patch+json (the first type the API lists).
  await admission.patchMutatingWebhookConfiguration({ name: configurationName, body: operations });
  return 'patched';
}
