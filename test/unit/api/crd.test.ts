import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_FILE, podPoolCrd, podPoolCrdYaml, toStructuralSchema } from '../../../src/api/crd.js';

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

  it('shows READY, RESERVED, WARMING, DESIRED, VELOCITY and AGE columns', () => {
    expect(version.additionalPrinterColumns.map((c: Node) => c.name.toUpperCase())).toEqual([
      'READY',
      'RESERVED',
      'WARMING',
      'DESIRED',
      'VELOCITY',
      'AGE',
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
});
