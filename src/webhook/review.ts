/**
 * admission.k8s.io/v1 AdmissionReview at the edge: an untrusted JSON body in, a typed request out
 * (or a PodpoolError('InvalidArgument') naming the first problem), and the typed answer back to JSON.
 */
import { PodpoolError } from '../errors.js';
import { excerpt } from '../log.js';
import { isValidObjectName } from '../api/object-names.js';
import type { JsonPatchOperation } from './patch.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_REVIEW_KIND = 'AdmissionReview';
const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type AdmissionOperation = (typeof OPERATIONS)[number];
const MAX_UID_LENGTH = 256;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
}

/** The parts of a Pod the webhook reads; everything else is passed through untouched. */
export interface AdmittedPod {
  metadata?: {
    name?: string;
    generateName?: string;
    labels?: Record<string, string> | null;
    ownerReferences?: OwnerReference[];
  } | null;
}

export interface AdmissionRequest {
  uid: string;
  operation: AdmissionOperation;
  kind: { group: string; version: string; kind: string };
  subResource: string | undefined;
  namespace: string | undefined;
  dryRun: boolean;
  /** Set only when the request is for a core/v1 Pod; other kinds are never inspected. */
  pod: AdmittedPod | undefined;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patch?: readonly JsonPatchOperation[];
  /** Shown to the user on denial (kubectl prints the message). */
  status?: { code: number; reason: string; message: string };
  warnings?: readonly string[];
}

type JsonObject = Record<string, unknown>;

function invalid(message: string): PodpoolError {
  return new PodpoolError('InvalidArgument', message);
}

/**
 * A short account of an untrusted value for an error message. It never walks into lists or
 * objects: JSON.parse accepts nesting 100,000 deep that JSON.stringify then overflows the stack on.
 */
function describeValue(value: unknown): string {
  if (value === undefined) return '<unset>';
  if (typeof value === 'string') return JSON.stringify(excerpt(value, 100));
  if (Array.isArray(value)) return `a list of ${value.length} item(s)`;
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function optionalString(parent: JsonObject, field: string, where: string): string | undefined {
  const value = parent[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${where}.${field} must be a string`);
  return value;
}

function parseLabels(value: unknown): Record<string, string> | null | undefined {
  if (value === undefined || value === null) return value;
  if (!isObject(value)) throw invalid('request.object.metadata.labels must be an object of strings');
  for (const [key, label] of Object.entries(value)) {
    if (typeof label !== 'string') throw invalid(`request.object.metadata.labels[${JSON.stringify(excerpt(key))}] must be a string`);
  }
  return value as Record<string, string>;
}

function parseOwnerReferences(value: unknown): OwnerReference[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid('request.object.metadata.ownerReferences must be a list');
  return value.map((reference: unknown, index) => {
    const where = `request.object.metadata.ownerReferences[${index}]`;
    if (!isObject(reference)) throw invalid(`${where} must be an object`);
    return {
      apiVersion: optionalString(reference, 'apiVersion', where) ?? '',
      kind: optionalString(reference, 'kind', where) ?? '',
      name: optionalString(reference, 'name', where) ?? '',
    };
  });
}

function parsePod(value: unknown): AdmittedPod {
  if (!isObject(value)) throw invalid('request.object must be a Pod object');
  const metadata = value.metadata;
  if (metadata === undefined || metadata === null) return { metadata };
  if (!isObject(metadata)) throw invalid('request.object.metadata must be an object');
  const where = 'request.object.metadata';
  const parsed: NonNullable<AdmittedPod['metadata']> = {
    labels: parseLabels(metadata.labels),
    ownerReferences: parseOwnerReferences(metadata.ownerReferences),
  };
  const name = optionalString(metadata, 'name', where);
  const generateName = optionalString(metadata, 'generateName', where);
  if (name !== undefined) parsed.name = name;
  if (generateName !== undefined) parsed.generateName = generateName;
  return { metadata: parsed };
}

function parseKind(value: unknown): AdmissionRequest['kind'] {
  if (!isObject(value)) throw invalid('request.kind must be an object {group, version, kind}');
  const kind = optionalString(value, 'kind', 'request.kind');
  if (kind === undefined || kind === '') throw invalid('request.kind.kind is required');
  return {
    group: optionalString(value, 'group', 'request.kind') ?? '',
    version: optionalString(value, 'version', 'request.kind') ?? '',
    kind,
  };
}

function isPodKind(kind: AdmissionRequest['kind']): boolean {
  return kind.group === '' && kind.version === 'v1' && kind.kind === 'Pod';
}

/** Validates an AdmissionReview body; throws PodpoolError('InvalidArgument') saying what is wrong. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isObject(body)) throw invalid('body must be a JSON object (an AdmissionReview)');
  if (body.apiVersion !== ADMISSION_API_VERSION || body.kind !== ADMISSION_REVIEW_KIND) {
    throw invalid(
      `expected apiVersion ${ADMISSION_API_VERSION} and kind ${ADMISSION_REVIEW_KIND}, got apiVersion ${describeValue(body.apiVersion)} and kind ${describeValue(body.kind)}`,
    );
  }
  const request = body.request;
  if (!isObject(request)) throw invalid('request is missing');
  const uid = request.uid;
  if (typeof uid !== 'string' || uid === '' || uid.length > MAX_UID_LENGTH) {
    throw invalid(`request.uid must be a non-empty string of at most ${MAX_UID_LENGTH} characters`);
  }
  const operation = request.operation;
  if (typeof operation !== 'string' || !(OPERATIONS as readonly string[]).includes(operation)) {
    throw invalid(`request.operation must be one of ${OPERATIONS.join(', ')}`);
  }
  const kind = parseKind(request.kind);
  const dryRun = request.dryRun;
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') throw invalid('request.dryRun must be a boolean');
  const inspectPod = isPodKind(kind) && operation === 'CREATE';
  if (inspectPod && (request.object === undefined || request.object === null)) throw invalid('request.object is missing');
  const namespace = optionalString(request, 'namespace', 'request') || undefined;
  if (inspectPod && namespace === undefined) throw invalid('request.namespace is required for a Pod');
  if (namespace !== undefined && !isValidObjectName(namespace, 'namespace')) {
    throw invalid(`request.namespace ${describeValue(namespace)} is not a valid namespace name`);
  }
  return {
    uid,
    operation: operation as AdmissionOperation,
    kind,
    subResource: optionalString(request, 'subResource', 'request') || undefined,
    namespace,
    dryRun: dryRun === true,
    pod: inspectPod ? parsePod(request.object) : undefined,
  };
}

/** The AdmissionReview the API server expects back; the patch travels base64-encoded. */
export function admissionReviewBody(response: AdmissionResponse): JsonObject {
  const answer: JsonObject = { uid: response.uid, allowed: response.allowed };
  if (response.patch !== undefined && response.patch.length > 0) {
    answer.patchType = 'JSONPatch';
    answer.patch = Buffer.from(JSON.stringify(response.patch)).toString('base64');
  }
  if (response.status !== undefined) answer.status = response.status;
  if (response.warnings !== undefined && response.warnings.length > 0) answer.warnings = response.warnings;
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_REVIEW_KIND, response: answer };
}
