/**
 * The PodPoolClaim API, defined once: a reservation as a Kubernetes object. The CRD in crds/ is
 * generated from these schemas (crd.ts) and the TypeScript types are derived from them.
 */
import Type, { type Static } from 'typebox';
import { API_GROUP } from './labels.js';
import type { Condition, ObjectMeta } from './schema.js';
import { ConditionSchema } from './schema.js';

export const CLAIM_KIND = 'PodPoolClaim';
export const CLAIM_PLURAL = 'podpoolclaims';
export const CLAIM_SINGULAR = 'podpoolclaim';
export const CLAIM_SHORT_NAMES = ['ppc'];

export const CLAIM_PHASES = ['Pending', 'Bound', 'Expired', 'Failed'] as const;
export type ClaimPhase = (typeof CLAIM_PHASES)[number];

/** The one condition a claim reports: whether it holds a pod, and why not. */
export const BOUND_CONDITION = 'Bound';

export const MAX_CLAIM_TTL_SECONDS = 7 * 24 * 3600;
const MAX_POD_METADATA_ENTRIES = 32;

/** Keys under podpool.dev/ are podpool's own (pool, state, reservation): a claim may not set them. */
const reservedKeyRule = () => ({
  rule: `self.all(k, !k.startsWith('${API_GROUP}/') && !k.contains('.${API_GROUP}/'))`,
  message: `keys under ${API_GROUP}/ belong to podpool and cannot be set by a claim`,
});

function podMetadataMap(description: string, valueSchema: Record<string, unknown>) {
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: valueSchema,
    maxProperties: MAX_POD_METADATA_ENTRIES,
    description,
    'x-kubernetes-validations': [reservedKeyRule()],
  });
}

export const PodPoolClaimSpecSchema = Type.Object(
  {
    poolName: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      description: "The PodPool in the claim's namespace to take a ready pod from.",
      'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'poolName is immutable' }],
    }),
    user: Type.Optional(
      Type.String({
        maxLength: 253,
        description: "Who the pod is for, recorded on the pod (podpool.dev/reserved-by). Unset: the claim's name.",
      }),
    ),
    ttlSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_CLAIM_TTL_SECONDS,
        description:
          'Ends the session this many seconds after the pod was bound: the pod is deleted and the claim turns Expired. Unset: until the claim is deleted.',
      }),
    ),
    podLabels: Type.Optional(
      podMetadataMap('Labels put on the pod when it is handed over (metadata only: the pod is not restarted).', {
        type: 'string',
        maxLength: 63,
        pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$',
      }),
    ),
    podAnnotations: Type.Optional(
      podMetadataMap('Annotations put on the pod when it is handed over.', { type: 'string', maxLength: 4096 }),
    ),
  },
  {
    // A claim is a request, answered once: changing it after the fact would mean nothing to the pod it holds.
    'x-kubernetes-validations': [
      { rule: 'self == oldSelf', message: 'the spec of a PodPoolClaim is immutable; delete the claim and create a new one' },
    ],
  },
);

export const PodPoolClaimStatusSchema = Type.Object({
  phase: Type.Optional(
    Type.Enum([...CLAIM_PHASES], {
      description:
        'Pending: waiting for a ready pod. Bound: holds podName. Expired: its ttlSeconds passed and the pod was deleted. Failed: see the Bound condition.',
    }),
  ),
  podName: Type.Optional(Type.String({ maxLength: 253, description: 'The pod handed to this claim.' })),
  podIP: Type.Optional(Type.String({ maxLength: 64 })),
  nodeName: Type.Optional(Type.String({ maxLength: 253 })),
  boundTime: Type.Optional(
    Type.String({ format: 'date-time', description: 'When the pod was handed over (its podpool.dev/reserved-at).' }),
  ),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(
    Type.Array(ConditionSchema, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'], maxItems: 8 }),
  ),
});

export type PodPoolClaimSpec = Static<typeof PodPoolClaimSpecSchema>;
export type PodPoolClaimStatus = Omit<Static<typeof PodPoolClaimStatusSchema>, 'conditions'> & { conditions?: Condition[] };

export interface PodPoolClaim {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: PodPoolClaimSpec;
  status?: PodPoolClaimStatus;
}
