import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import Value from 'typebox/value';
import { PodPoolClaimSpecSchema } from '../../../src/api/claim-schema.js';
import {
  CLAIM_CRD_FILE,
  CRD_FILE,
  podPoolClaimCrd,
  podPoolClaimCrdYaml,
  podPoolCrd,
  podPoolCrdYaml,
  toStructuralSchema,
} from '../../../src/api/crd.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking arbitrary generated YAML
type Node = Record<string, any>;

function walk(node: Node, visit: (node: Node, path: string) => void, path = ''): void {
  visit(node, path);
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Node>)) walk(child, visit, `${path}.${name}`);
  if (node.items) walk(node.items as Node, visit, `${path}[]`);
}

describe('the generated CRD', () => {
  it('matches the committed crds/ file (run `npm run crd` after changing the schema)', () => {
    expect(readFileSync(CRD_FILE, 'utf8')).toBe(podPoolCrdYaml());
  });

  it('round-trips through YAML unchanged', () => {
    expect(parse(podPoolCrdYaml())).toEqual(podPoolCrd());
  });

  const version = (podPoolCrd() as Node).spec.versions[0] as Node;
  const schema = version.schema.openAPIV3Schema as Node;

  it('has the status and scale subresources on the right paths', () => {
    expect(version.subresources).toEqual({
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
  });

  it('shows READY, RESERVED, WARMING, DESIRED, VELOCITY and AGE columns, and with -o wide the mode, lead time and sizing term', () => {
    expect(version.additionalPrinterColumns.map((c: Node) => c.name.toUpperCase())).toEqual([
      'READY',
      'RESERVED',
      'WARMING',
      'DESIRED',
      'VELOCITY',
      'MODE',
      'LEAD',
      'SIZED-BY',
      'AGE',
    ]);
    expect(version.additionalPrinterColumns.filter((c: Node) => c.priority === 1).map((c: Node) => c.name)).toEqual([
      'Mode',
      'Lead',
      'Sized-By',
    ]);
  });

  it('is a structural schema: every node typed, no additionalProperties, no JSON-Schema-only keywords', () => {
    walk(schema, (node, path) => {
      if (!node['x-kubernetes-preserve-unknown-fields']) expect(node.type, `type at ${path}`).toBeTypeOf('string');
      expect(node, path).not.toHaveProperty('additionalProperties');
      expect(node, path).not.toHaveProperty('anyOf');
      expect(node, path).not.toHaveProperty('const');
      expect(node, path).not.toHaveProperty('$id');
    });
  });

  it('keeps every seed field and the added ones', () => {
    const spec = Object.keys(schema.properties.spec.properties);
    const status = Object.keys(schema.properties.status.properties);
    expect(spec).toEqual(
      expect.arrayContaining([
        'minPoolSize',
        'maxPoolSize',
        'targetReadyPods',
        'scaleUpVelocityThreshold',
        'scaleUpAccelerationThreshold',
        'timeBasedScaling',
        'podTemplate',
        'replicas',
        'timeZone',
        'warmupSeconds',
        'scaleDownStabilizationSeconds',
      ]),
    );
    expect(status).toEqual(
      expect.arrayContaining([
        'readyPods',
        'reservedPods',
        'warmingPods',
        'currentVelocity',
        'currentAcceleration',
        'lastScaleTime',
        'replicas',
        'selector',
        'desiredReplicas',
        'observedWarmupSeconds',
        'totalReservations',
        'reservationHistory',
        'observedGeneration',
        'conditions',
      ]),
    );
  });

  it('requires only fields without a default, keeps podTemplate open, and carries the CEL rules', () => {
    const spec = schema.properties.spec as Node;
    expect(spec.required.sort()).toEqual(['maxPoolSize', 'podTemplate']);
    expect(spec.properties.podTemplate['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(spec['x-kubernetes-validations'].map((v: Node) => v.rule)).toContain('self.minPoolSize <= self.maxPoolSize');
    expect(spec.properties.timeBasedScaling.items.properties.days.items).toEqual({
      type: 'string',
      enum: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
    });
  });

  it('gives an enum without a type the string type', () => {
    expect(toStructuralSchema({ enum: ['a'], additionalProperties: false })).toEqual({ enum: ['a'], type: 'string' });
  });

  it('keeps a map typed (additionalProperties with a schema) and recurses into it', () => {
    expect(toStructuralSchema({ type: 'object', additionalProperties: { type: 'string', $id: 'x' }, maxProperties: 3 })).toEqual({
      type: 'object',
      additionalProperties: { type: 'string' },
      maxProperties: 3,
    });
  });
});

describe('the generated PodPoolClaim CRD', () => {
  it('matches the committed crds/ file (run `npm run crd` after changing the schema)', () => {
    expect(readFileSync(CLAIM_CRD_FILE, 'utf8')).toBe(podPoolClaimCrdYaml());
  });

  it('round-trips through YAML unchanged, with no shared (anchored) nodes', () => {
    expect(parse(podPoolClaimCrdYaml())).toEqual(podPoolClaimCrd());
    expect(podPoolClaimCrdYaml()).not.toMatch(/[&*]a\d/);
  });

  const crd = podPoolClaimCrd() as Node;
  const version = crd.spec.versions[0] as Node;
  const schema = version.schema.openAPIV3Schema as Node;

  it('is namespaced, short name ppc, with only the status subresource', () => {
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toMatchObject({ kind: 'PodPoolClaim', plural: 'podpoolclaims', shortNames: ['ppc'] });
    expect(version.subresources).toEqual({ status: {} });
  });

  it('shows POOL, PHASE, POD and AGE columns', () => {
    expect(version.additionalPrinterColumns.map((c: Node) => [c.name.toUpperCase(), c.jsonPath])).toEqual([
      ['POOL', '.spec.poolName'],
      ['PHASE', '.status.phase'],
      ['POD', '.status.podName'],
      ['AGE', '.metadata.creationTimestamp'],
    ]);
  });

  it('requires a DNS-label poolName that cannot change, and keeps the spec immutable', () => {
    const spec = schema.properties.spec as Node;
    expect(spec.required).toEqual(['poolName']);
    expect(spec.properties.poolName).toMatchObject({ type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });
    expect(spec.properties.poolName['x-kubernetes-validations']).toEqual([{ rule: 'self == oldSelf', message: 'poolName is immutable' }]);
    expect(spec['x-kubernetes-validations'].map((v: Node) => v.rule)).toEqual(['self == oldSelf']);
    expect(Object.keys(spec.properties).sort()).toEqual(['podAnnotations', 'podLabels', 'poolName', 'ttlSeconds', 'user']);
  });

  it('types podLabels and podAnnotations as string maps that may not use podpool.dev/ keys', () => {
    for (const field of ['podLabels', 'podAnnotations']) {
      const map = schema.properties.spec.properties[field] as Node;
      expect(map.type).toBe('object');
      expect(map.additionalProperties.type).toBe('string');
      expect(map['x-kubernetes-validations'][0].rule).toContain("!k.startsWith('podpool.dev/')");
    }
  });

  it('reports phase, pod, IP, node, bind time, conditions and observedGeneration in status', () => {
    const status = schema.properties.status as Node;
    expect(Object.keys(status.properties).sort()).toEqual([
      'boundTime',
      'conditions',
      'nodeName',
      'observedGeneration',
      'phase',
      'podIP',
      'podName',
    ]);
    expect(status.properties.phase.enum).toEqual(['Pending', 'Bound', 'Expired', 'Failed']);
  });
});

describe('examples/podpoolclaim.yaml', () => {
  it('is a PodPoolClaim whose spec the schema accepts', () => {
    const example = parse(readFileSync('examples/podpoolclaim.yaml', 'utf8')) as Node;
    expect(example).toMatchObject({ apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPoolClaim', metadata: { name: 'alice-session' } });
    expect([...Value.Errors(PodPoolClaimSpecSchema, example.spec)]).toEqual([]);
  });
});
