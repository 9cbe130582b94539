/**
 * The labels the webhook stamps on a pool pod, and the JSON Patch (RFC 6902) that puts them there.
 * Pure: the same pod and pool always give the same operations, and a pod whose labels are
 * already right gives none.
 */
import { POOL_LABEL, STATE_LABEL, TEMPLATE_HASH_LABEL, type PodState } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';
import { templateHash } from '../pool/template-hash.js';

export type JsonPatchOperation = { op: 'add'; path: string; value: unknown } | { op: 'replace'; path: string; value: unknown };

/** The parts of an admitted pod the patch reads. */
export interface PodLabelsView {
  metadata?: { labels?: Readonly<Record<string, string>> | null } | null;
}

// The informer cache replaces a pool object on every change, so a hash keyed by the template
// object is never stale, and admissions of the same pool skip re-serializing and hashing it.
const hashByTemplate = new WeakMap<object, string>();

function cachedTemplateHash(podTemplate: PodPool['spec']['podTemplate']): string {
  if (podTemplate === null || typeof podTemplate !== 'object') return templateHash(podTemplate);
  let hash = hashByTemplate.get(podTemplate);
  if (hash === undefined) {
    hash = templateHash(podTemplate);
    hashByTemplate.set(podTemplate, hash);
  }
  return hash;
}

/** The state every new pool pod starts in: it cannot be Ready before its containers run. */
export const INITIAL_STATE: PodState = 'warming';

/** RFC 6901: "~" becomes "~0" and "/" becomes "~1", in that order so "~1" in a key survives. */
export function escapeJsonPointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function stringLabels(labels: unknown): Record<string, string> {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return {};
  // podTemplate preserves unknown fields, so a hand-written pool can hold non-string values.
  return Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * The labels a new pod of `pool` must carry: the pool's podTemplate labels, then podpool's own
 * (which win over a template that sets them). A template-hash label the pod already has is kept:
 * the controller stamps the hash of the template it built the pod from, and the pool may have
 * changed since; overwriting it with the current hash would hide a stale pod from replacement.
 */
export function stampedLabels(pod: PodLabelsView, pool: PodPool): Record<string, string> {
  const existingHash = pod.metadata?.labels?.[TEMPLATE_HASH_LABEL];
  return {
    ...stringLabels(pool.spec.podTemplate?.metadata?.labels),
    [POOL_LABEL]: pool.metadata.name ?? '',
    [STATE_LABEL]: INITIAL_STATE,
    [TEMPLATE_HASH_LABEL]: existingHash !== undefined && existingHash !== '' ? existingHash : cachedTemplateHash(pool.spec.podTemplate),
  };
}

/** Operations that make the pod carry every `wanted` label; every other field is left alone. */
export function labelPatch(pod: PodLabelsView, wanted: Readonly<Record<string, string>>): JsonPatchOperation[] {
  if (Object.keys(wanted).length === 0) return [];
  if (pod.metadata === undefined || pod.metadata === null) {
    return [{ op: 'add', path: '/metadata', value: { labels: { ...wanted } } }];
  }
  const labels = pod.metadata.labels;
  // "add" on /metadata/labels/<key> fails when the labels map itself is missing, so create it whole.
  if (labels === undefined || labels === null) return [{ op: 'add', path: '/metadata/labels', value: { ...wanted } }];
  const operations: JsonPatchOperation[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    if (labels[key] === value) continue;
    const path = `/metadata/labels/${escapeJsonPointerToken(key)}`;
    operations.push(Object.hasOwn(labels, key) ? { op: 'replace', path, value } : { op: 'add', path, value });
  }
  return operations;
}

/** The whole stamp: the operations that label `pod` as a new pod of `pool`. */
export function poolPodPatch(pod: PodLabelsView, pool: PodPool): JsonPatchOperation[] {
  return labelPatch(pod, stampedLabels(pod, pool));
}
