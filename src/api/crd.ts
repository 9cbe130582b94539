/** Generates the PodPool and PodPoolClaim CustomResourceDefinitions from the TypeBox schemas. */
import { stringify } from 'yaml';
import {
  CLAIM_KIND,
  CLAIM_PLURAL,
  CLAIM_SHORT_NAMES,
  CLAIM_SINGULAR,
  PodPoolClaimSpecSchema,
  PodPoolClaimStatusSchema,
} from './claim-schema.js';
import { API_GROUP, API_VERSION, KIND, PLURAL, SHORT_NAMES, SINGULAR } from './labels.js';
import { PodPoolSpecSchema, PodPoolStatusSchema } from './schema.js';

type JsonSchema = { [key: string]: unknown };

/** Keywords a Kubernetes structural schema accepts; everything else TypeBox may add is dropped. */
const KEPT_KEYWORDS = new Set([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'minimum',
  'maximum',
  'default',
  'enum',
  'additionalProperties',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'maxProperties',
  'nullable',
]);

/** Turns a TypeBox (JSON Schema) node into an OpenAPI v3 structural schema node. */
export function toStructuralSchema(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-')) {
      out[key] = value;
    } else if (!KEPT_KEYWORDS.has(key)) {
      continue;
    } else if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [name, toStructuralSchema(child)]),
      );
    } else if (key === 'items') {
      out.items = toStructuralSchema(value as JsonSchema);
    } else if (key === 'additionalProperties') {
      // A map (string keys, typed values) is structural; additionalProperties: false is not.
      if (typeof value === 'object' && value !== null) out.additionalProperties = toStructuralSchema(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  if (out.enum !== undefined && out.type === undefined) out.type = 'string';
  // Fields with a default are filled in by the API server, so they are not required of the user.
  if (Array.isArray(out.required) && out.properties !== undefined) {
    const properties = out.properties as Record<string, JsonSchema>;
    const required = (out.required as string[]).filter((name) => properties[name]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  subresources: JsonSchema;
  printerColumns: JsonSchema[];
  spec: unknown;
  status: unknown;
}

function crdOf(definition: CrdDefinition): JsonSchema {
  const { kind, plural } = definition;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/name': 'podpool', 'app.kubernetes.io/part-of': 'podpool' },
    },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: { kind, listKind: `${kind}List`, plural, singular: definition.singular, shortNames: definition.shortNames },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: definition.subresources,
          additionalPrinterColumns: definition.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: definition.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: toStructuralSchema(definition.spec as JsonSchema),
                status: toStructuralSchema(definition.status as JsonSchema),
              },
            },
          },
        },
      ],
    },
  };
}

export function podPoolCrd(): JsonSchema {
  return crdOf({
    kind: KIND,
    plural: PLURAL,
    singular: SINGULAR,
    shortNames: SHORT_NAMES,
    description: 'PodPool keeps a pool of pre-warmed pods, one handed to each user who reserves one.',
    subresources: {
      status: {},
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
    },
    printerColumns: [
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyPods', description: 'Ready, unreserved pods' },
      { name: 'Reserved', type: 'integer', jsonPath: '.status.reservedPods', description: 'Pods handed to users' },
      { name: 'Warming', type: 'integer', jsonPath: '.status.warmingPods', description: 'Pods not Ready yet' },
      { name: 'Desired', type: 'integer', jsonPath: '.status.desiredReplicas', description: "The engine's recommendation" },
      { name: 'Velocity', type: 'number', jsonPath: '.status.currentVelocity', description: 'Reservations per minute' },
      { name: 'Mode', type: 'string', jsonPath: '.status.mode', description: "The engine's mode (normal, spike)", priority: 1 },
      { name: 'Lead', type: 'number', jsonPath: '.status.leadTimeSeconds', description: 'Warm-up lead time, seconds', priority: 1 },
      {
        name: 'Sized-By',
        type: 'string',
        jsonPath: '.status.sizedBy',
        description: 'The term that set the count (window, quantile, buffer)',
        priority: 1,
      },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    spec: PodPoolSpecSchema,
    status: PodPoolStatusSchema,
  });
}

export function podPoolClaimCrd(): JsonSchema {
  return crdOf({
    kind: CLAIM_KIND,
    plural: CLAIM_PLURAL,
    singular: CLAIM_SINGULAR,
    shortNames: CLAIM_SHORT_NAMES,
    description:
      "PodPoolClaim asks for one ready pod of a PodPool in its namespace; the pod is the claim's until the claim is deleted or its TTL passes.",
    subresources: { status: {} },
    printerColumns: [
      { name: 'Pool', type: 'string', jsonPath: '.spec.poolName', description: 'The PodPool the pod comes from' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Pending, Bound, Expired or Failed' },
      { name: 'Pod', type: 'string', jsonPath: '.status.podName', description: 'The pod handed to the claim' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    spec: PodPoolClaimSpecSchema,
    status: PodPoolClaimStatusSchema,
  });
}

export const CRD_FILE = `crds/${API_GROUP}_${PLURAL}.yaml`;

export function podPoolCrdYaml(): string {
  return `# Generated by \`podpool crd\` from src/api/schema.ts. Do not edit.\n${stringify(podPoolCrd(), { lineWidth: 0 })}`;
}

export const CLAIM_CRD_FILE = `crds/${API_GROUP}_${CLAIM_PLURAL}.yaml`;

export function podPoolClaimCrdYaml(): string {
  return `# Generated by \`podpool crd ${CLAIM_PLURAL}\` from src/api/claim-schema.ts. Do not edit.\n${stringify(podPoolClaimCrd(), { lineWidth: 0 })}`;
}
