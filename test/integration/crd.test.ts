import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { API_GROUP, API_VERSION, PLURAL, warmPodSelector } from '../../src/api/labels.js';
import { adminKubeConfig, createNamespace, eventually, installCrd, kubectl, serviceAccountKubeconfig } from './support/cluster.js';

const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
const template = { spec: { containers: [{ name: 'c', image: 'busybox' }] } };

function pool(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'PodPool',
    metadata: { name },
    spec: { maxPoolSize: 10, podTemplate: template, ...spec },
  };
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect((error as { code?: number }).code).toBe(422);
    return String((error as { body?: unknown }).body);
  }
  throw new Error('the API server accepted an invalid PodPool');
}

describe('the PodPool CRD on a real kube-apiserver', () => {
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let namespace: string;

  beforeAll(async () => {
    kc = adminKubeConfig();
    await installCrd(kc);
    custom = kc.makeApiClient(CustomObjectsApi);
    namespace = await createNamespace(kc, 'crd');
  });

  it('is served, applies defaults and keeps podTemplate as given', async () => {
    const created = (await custom.createNamespacedCustomObject({ ...ref, namespace, body: pool('defaults', {}) })) as {
      spec: Record<string, unknown>;
    };
    expect(created.spec).toMatchObject({
      minPoolSize: 0,
      targetReadyPods: 1,
      timeZone: 'UTC',
      scaleDownStabilizationSeconds: 300,
      podTemplate: template,
    });
    expect(kubectl(['get', 'pp', 'defaults', '-n', namespace]).stdout).toMatch(
      /NAME\s+READY\s+RESERVED\s+WARMING\s+DESIRED\s+VELOCITY\s+AGE/,
    );
  });

  it('rejects invalid pools with the CEL and schema messages', async () => {
    const create = (name: string, spec: Record<string, unknown>): Promise<unknown> =>
      custom.createNamespacedCustomObject({ ...ref, namespace, body: pool(name, spec) });
    expect(await rejection(create('minmax', { minPoolSize: 11 }))).toContain('minPoolSize must be less than or equal to maxPoolSize');
    expect(await rejection(create('hours', { timeBasedScaling: [{ hourStart: 24, hourEnd: 2, targetPoolSize: 1 }] }))).toMatch(
      /hourStart: Invalid value: 24: spec.timeBasedScaling\[0\].hourStart in body should be less than or equal to 23/,
    );
    expect(await rejection(create('same', { timeBasedScaling: [{ hourStart: 5, hourEnd: 5, targetPoolSize: 1 }] }))).toContain(
      'hourStart and hourEnd must differ',
    );
    expect(await rejection(create('target', { timeBasedScaling: [{ hourStart: 5, hourEnd: 6, targetPoolSize: 11 }] }))).toContain(
      'every timeBasedScaling targetPoolSize must be between minPoolSize and maxPoolSize',
    );
    expect(await rejection(create('zone', { timeZone: 'Mars/Olympus_Mons' }))).toContain('timeZone must be a valid IANA time zone name');
    expect(await rejection(create('velocity', { scaleUpVelocityThreshold: 0 }))).toContain(
      'scaleUpVelocityThreshold must be greater than 0',
    );
    expect(
      await rejection(create('days', { timeBasedScaling: [{ hourStart: 1, hourEnd: 2, targetPoolSize: 1, days: ['Funday'] }] })),
    ).toContain('supported values');
  });

  it('accepts a valid zone, fractional and integer thresholds, and a window that wraps midnight', async () => {
    await custom.createNamespacedCustomObject({
      ...ref,
      namespace,
      body: pool('valid', {
        timeZone: 'America/Argentina/Buenos_Aires',
        scaleUpVelocityThreshold: 2,
        scaleUpAccelerationThreshold: 0.5,
        timeBasedScaling: [{ hourStart: 22, hourEnd: 6, targetPoolSize: 3, days: ['Fri', 'Sat'] }],
      }),
    });
  });

  it('serves /scale: kubectl scale sets spec.replicas and /scale reports the status replicas and selector', async () => {
    await custom.createNamespacedCustomObject({ ...ref, namespace, body: pool('scaled', {}) });
    await custom.patchNamespacedCustomObjectStatus({
      ...ref,
      namespace,
      name: 'scaled',
      body: [{ op: 'add', path: '/status', value: { replicas: 2, selector: warmPodSelector('scaled') } }],
    });
    const scaled = kubectl(['scale', 'pp/scaled', '--replicas=4', '-n', namespace]);
    expect(scaled.stderr).toBe('');
    expect(scaled.status).toBe(0);
    const scale = (await custom.getNamespacedCustomObjectScale({ ...ref, namespace, name: 'scaled' })) as {
      spec: { replicas: number };
      status: { replicas: number; selector: string };
    };
    expect(scale.spec.replicas).toBe(4);
    expect(scale.status).toEqual({ replicas: 2, selector: 'podpool.dev/pool=scaled,podpool.dev/state in (ready,warming)' });
  });

  it('keeps status out of main-resource writes and spec out of /status writes', async () => {
    await custom.createNamespacedCustomObject({ ...ref, namespace, body: { ...pool('split', {}), status: { readyPods: 7 } } });
    let object = (await custom.getNamespacedCustomObject({ ...ref, namespace, name: 'split' })) as {
      status?: unknown;
      spec: { minPoolSize: number };
    };
    expect(object.status).toBeUndefined();
    await custom.patchNamespacedCustomObjectStatus({
      ...ref,
      namespace,
      name: 'split',
      body: [
        { op: 'add', path: '/status', value: { readyPods: 3 } },
        { op: 'replace', path: '/spec/minPoolSize', value: 2 },
      ],
    });
    object = (await custom.getNamespacedCustomObject({ ...ref, namespace, name: 'split' })) as {
      status?: unknown;
      spec: { minPoolSize: number };
    };
    expect(object.status).toEqual({ readyPods: 3 });
    expect(object.spec.minPoolSize).toBe(0);
  });

  it('runs a pod on a kwok node to Ready', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'hello' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    });
    const pod = await eventually('the pod to become Ready', async () => {
      const current = await core.readNamespacedPod({ namespace, name: 'hello' });
      return current.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? current : undefined;
    });
    expect(pod.spec?.nodeName).toMatch(/^kwok-node-/);
    expect(pod.status?.phase).toBe('Running');
  });

  it('refuses a service account without RBAC, and lets it in once a Role grants access', async () => {
    const user = await serviceAccountKubeconfig(kc, namespace, 'nobody');
    const denied = kubectl(['get', 'pp', '-n', namespace], { kubeconfigPath: user.path });
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toContain(`User "system:serviceaccount:${namespace}:nobody" cannot list resource "podpools"`);
    const rbac = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pp-reader, namespace: ${namespace}}
rules: [{apiGroups: [podpool.dev], resources: [podpools], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pp-reader, namespace: ${namespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pp-reader}
subjects: [{kind: ServiceAccount, name: nobody, namespace: ${namespace}}]
`;
    expect(kubectl(['apply', '-f', '-'], { input: rbac }).status).toBe(0);
    await eventually(
      'RBAC to allow the service account',
      async () => kubectl(['get', 'pp', '-n', namespace], { kubeconfigPath: user.path }).status === 0,
    );
  });

  it('installs from the committed crds/ file as well', () => {
    const committed = parse(readFileSync('crds/podpool.dev_podpools.yaml', 'utf8')) as { metadata: { name: string } };
    expect(kubectl(['apply', '--dry-run=server', '-f', 'crds/podpool.dev_podpools.yaml']).status).toBe(0);
    expect(committed.metadata.name).toBe('podpools.podpool.dev');
  });
});
