/**
 * The Helm chart (charts/podpool) against the locally built helm and the real local API server:
 * lint, render with every optional part, server-side dry-run of what renders, the values schema,
 * and the operator running under exactly the chart's RBAC.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podPoolCrdYaml } from '../../src/api/crd.js';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL, STATE_LABEL } from '../../src/api/labels.js';
import type { PodPool } from '../../src/api/schema.js';
import { adminKubeConfig, createNamespace, eventually, installCrd, kubectl, serviceAccountKubeconfig } from './support/cluster.js';
import { CHART_DIR, canI, canIList, helm, renderChart, servedKinds, serverKubeVersion, templateArgs, toYamlStream, type KubeObject, type RbacRule } from './support/helm.js';
import { freePort } from '../cluster/control-plane.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';

const CRD_FILE = 'podpool.dev_podpools.yaml';
const RELEASE = 'podpool';

/** Kinds whose CRDs (Prometheus Operator, cert-manager, KEDA) the local API server does not have. */
const KINDS_FROM_ABSENT_CRDS = new Set(['monitoring.coreos.com/v1/ServiceMonitor', 'cert-manager.io/v1/Issuer', 'cert-manager.io/v1/Certificate', 'keda.sh/v1alpha1/ScaledObject']);

/** Every optional part on. */
const ALL_TOGGLES = {
  'certManager.enabled': true,
  'networkPolicy.enabled': true,
  'serviceMonitor.enabled': true,
  'example.enabled': true,
};

const VALUE_SETS: Record<string, Record<string, unknown>> = {
  defaults: {},
  'every optional part (cert-manager, NetworkPolicy, ServiceMonitor, example + external ScaledObject)': ALL_TOGGLES,
  'example with an external-push ScaledObject, cert-manager with a ClusterIssuer': {
    ...ALL_TOGGLES,
    'example.scaledObject.trigger': 'external-push',
    'certManager.issuerRef': { kind: 'ClusterIssuer', name: 'my-ca' },
  },
  'example with a metrics-api ScaledObject, one replica, no aggregated roles': {
    'example.enabled': true,
    'example.scaledObject.trigger': 'metrics-api',
    replicaCount: 1,
    'rbac.aggregateToDefaultRoles': false,
  },
};

function key(object: KubeObject): string {
  return `${object.apiVersion}/${object.kind}`;
}

function find(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind}${name ? ` ${name}` : ''} rendered`);
  return found;
}

interface Container {
  args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts: { name: string; mountPath: string }[];
}

function operatorContainer(objects: KubeObject[]): Container {
  const deployment = find(objects, 'Deployment') as unknown as { spec: { template: { spec: { containers: Container[] } } } };
  const container = deployment.spec.template.spec.containers[0];
  if (container === undefined) throw new Error('the Deployment has no container');
  return container;
}

function rules(object: KubeObject): { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[] {
  return (object as unknown as { rules: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[] }).rules;
}

describe('the Helm chart', () => {
  let kc: KubeConfig;
  let kubeVersion: string;

  beforeAll(async () => {
    kc = adminKubeConfig();
    await installCrd(kc);
    kubeVersion = serverKubeVersion();
  });

  it("ships the generated CRD: charts/podpool/crds is a copy of crds/ (Helm cannot read files outside the chart)", () => {
    const chartCopy = readFileSync(join(CHART_DIR, 'crds', CRD_FILE), 'utf8');
    const hint = `charts/podpool/crds/${CRD_FILE} differs; refresh it: npm run -s crd && cp crds/${CRD_FILE} charts/podpool/crds/`;
    expect(chartCopy, hint).toBe(readFileSync(join('crds', CRD_FILE), 'utf8'));
    expect(chartCopy, hint).toBe(podPoolCrdYaml());
  });

  it.each(Object.entries(VALUE_SETS))('passes helm lint --strict with %s', (_name, values) => {
    const set = Object.entries(values).flatMap(([path, value]) => ['--set-json', `${path}=${JSON.stringify(value)}`]);
    const result = helm(['lint', CHART_DIR, '--strict', '--kube-version', kubeVersion, ...set]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it.each(Object.entries(VALUE_SETS))('renders objects the API server accepts (server-side dry-run) with %s', async (_name, values) => {
    const namespace = await createNamespace(kc, 'helm-dry');
    const { objects } = renderChart({ release: RELEASE, namespace, kubeVersion, values, extraArgs: ['--include-crds'] });
    const served = servedKinds();
    // Only kinds whose CRD is missing from the local API server are skipped, and only those named above.
    const skipped = objects.filter((object) => !served.has(key(object)));
    for (const object of skipped) expect(KINDS_FROM_ABSENT_CRDS, `${key(object)} is not served and not expected to be missing`).toContain(key(object));
    const applied = kubectl(['apply', '--dry-run=server', '-f', '-'], { input: toYamlStream(objects.filter((object) => served.has(key(object)))) });
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('deployment.apps/podpool created (server dry run)');
    expect(applied.stdout).toContain('mutatingwebhookconfiguration.admissionregistration.k8s.io/podpool created (server dry run)');
  });

  it('renders the operator with the documented defaults', () => {
    const { objects } = renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion });
    const kinds = objects.map((object) => `${object.kind}/${object.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ClusterRole/podpool',
        'ClusterRole/podpool-edit',
        'ClusterRole/podpool-reservations-user',
        'ClusterRole/podpool-view',
        'ClusterRoleBinding/podpool',
        'Deployment/podpool',
        'MutatingWebhookConfiguration/podpool',
        'PodDisruptionBudget/podpool',
        'Role/podpool',
        'RoleBinding/podpool',
        'Service/podpool-metrics',
        'Service/podpool-reservations',
        'Service/podpool-scaler',
        'Service/podpool-webhook',
        'ServiceAccount/podpool',
      ].sort(),
    );

    const deployment = find(objects, 'Deployment') as unknown as { spec: { replicas: number; template: { spec: Record<string, unknown> } } };
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'podpool', 'app.kubernetes.io/instance': RELEASE } },
      },
    ]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    const container = operatorContainer(objects);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.args).toEqual([
      'operator',
      '--namespace=$(POD_NAMESPACE)',
      '--leader-elect=true',
      '--workers=4',
      '--metrics-port=8080',
      '--scaler-port=9090',
      '--webhook-port=9443',
      '--reservations-port=8443',
      '--tls-secret=podpool-tls',
      '--webhook-config=podpool',
      '--service-names=podpool-webhook,podpool-reservations',
    ]);
    expect(container.env.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath])).toEqual([
      ['POD_NAME', 'metadata.name'],
      ['POD_NAMESPACE', 'metadata.namespace'],
    ]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http-metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http-metrics' });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);

    const ports = (name: string): unknown => (find(objects, 'Service', name) as unknown as { spec: { ports: unknown[] } }).spec.ports;
    expect(ports('podpool-webhook')).toEqual([{ name: 'https-webhook', port: 443, targetPort: 'https-webhook', protocol: 'TCP' }]);
    expect(ports('podpool-scaler')).toEqual([
      { name: 'grpc-scaler', port: 9090, targetPort: 'grpc-scaler', protocol: 'TCP', appProtocol: 'grpc' },
      { name: 'http-scaler', port: 8080, targetPort: 'http-metrics', protocol: 'TCP', appProtocol: 'http' },
    ]);
    expect(ports('podpool-reservations')).toMatchObject([{ port: 443, targetPort: 'https-reserve' }]);
    expect(ports('podpool-metrics')).toMatchObject([{ name: 'http-metrics', port: 8080, targetPort: 'http-metrics' }]);
    expect((find(objects, 'PodDisruptionBudget') as unknown as { spec: unknown }).spec).toMatchObject({ minAvailable: 1 });

    const webhook = (find(objects, 'MutatingWebhookConfiguration') as unknown as { webhooks: Record<string, unknown>[] }).webhooks;
    expect(webhook).toHaveLength(1);
    expect(webhook[0]).toMatchObject({
      name: 'pods.podpool.dev',
      admissionReviewVersions: ['v1'],
      clientConfig: { service: { name: 'podpool-webhook', namespace: 'podpool-system', port: 443, path: '/mutate-v1-pod' } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      objectSelector: { matchExpressions: [{ key: POOL_LABEL, operator: 'Exists' }] },
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'podpool-system'] }] },
      failurePolicy: 'Ignore',
      sideEffects: 'None',
      timeoutSeconds: 5,
    });
    // The operator owns the caBundle; a templated one would be written back on every upgrade.
    expect((webhook[0]?.clientConfig as Record<string, unknown>).caBundle).toBeUndefined();
  });

  it('renders the cert-manager variant: injected caBundle, mounted certificate, no Secret access', () => {
    const { objects } = renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values: ALL_TOGGLES });
    expect(find(objects, 'MutatingWebhookConfiguration').metadata.annotations).toEqual({ 'cert-manager.io/inject-ca-from': 'podpool-system/podpool-serving' });
    const certificate = find(objects, 'Certificate') as unknown as { spec: { secretName: string; dnsNames: string[] } };
    expect(certificate.spec.secretName).toBe('podpool-tls');
    expect(certificate.spec.dnsNames).toContain('podpool-webhook.podpool-system.svc');
    expect(certificate.spec.dnsNames).toContain('podpool-reservations.podpool-system.svc');
    const container = operatorContainer(objects);
    expect(container.args).toContain('--cert-dir=/etc/podpool/tls');
    expect(container.args.filter((arg) => /^--(tls-secret|webhook-config|service-names)=/.test(arg))).toEqual([]);
    expect(container.volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/podpool/tls', readOnly: true });
    expect(rules(find(objects, 'Role')).some((rule) => rule.resources.includes('secrets'))).toBe(false);
    // cert-manager's CA injector owns the caBundle: the operator needs no access to the configuration.
    expect(rules(find(objects, 'ClusterRole', 'podpool')).some((rule) => rule.resources.includes('mutatingwebhookconfigurations'))).toBe(false);
    for (const kind of ['NetworkPolicy', 'ServiceMonitor', 'Issuer', 'PodPool', 'ScaledObject']) expect(find(objects, kind)).toBeDefined();
    const scaledObject = find(objects, 'ScaledObject') as unknown as { spec: Record<string, unknown> };
    expect(scaledObject.spec).toMatchObject({
      scaleTargetRef: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'PodPool', name: 'sandboxes' },
      minReplicaCount: 1,
      maxReplicaCount: 20,
      triggers: [{ type: 'external', metadata: { scalerAddress: 'podpool-scaler.podpool-system.svc:9090', podPoolName: 'sandboxes', podPoolNamespace: 'podpool-system' } }],
    });
  });

  it.each([
    [{ replicaCount: 0 }, "at '/replicaCount': minimum"],
    [{ 'webhook.failurePolicy': 'Sometimes' }, "at '/webhook/failurePolicy': value must be one of 'Ignore', 'Fail'"],
    [{ replicas: 3 }, "additional properties 'replicas' not allowed"],
    [{ 'image.pullPolicy': 'always' }, "at '/image/pullPolicy'"],
    [{ 'ports.webhook': 70000 }, "at '/ports/webhook': maximum"],
    [{ 'example.scaledObject.trigger': 'cron' }, "at '/example/scaledObject/trigger'"],
    [{ 'resources.limits.memory': 'lots' }, "at '/resources/limits/memory'"],
  ])('values.schema.json rejects %j', (values, message) => {
    const result = helm(templateArgs({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values }));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toContain(message);
  });

  it('refuses several replicas without leader election', () => {
    const result = helm(templateArgs({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values: { 'leaderElection.enabled': false } }));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('leaderElection.enabled=false needs replicaCount=1');
    const single = helm(templateArgs({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values: { 'leaderElection.enabled': false, replicaCount: 1 } }));
    expect(single.status, single.stderr).toBe(0);
    expect(single.stdout).toContain('--leader-elect=false');
  });
});

/**
 * The chart's RBAC, applied for real, with the operator running under its ServiceAccount: a
 * missing verb shows as a pool that never fills (or a 403 in the log), an excess one in the
 * `kubectl auth can-i --list` comparison.
 */
describe("the operator under the chart's RBAC", () => {
  let kc: KubeConfig;
  let releaseNamespace: string;
  let poolNamespace: string;
  let fullname: string;
  let rbacObjects: KubeObject[] = [];
  let webhookConfiguration: KubeObject | undefined;
  let kubeconfigPath: string;
  let operator: OperatorProcess | undefined;
  let droppedFlags: string[] = [];

  /** Flags `podpool operator --help` lists: the Deployment's args are passed only where the operator knows them. */
  const supportedFlags = (): Set<string> => {
    const result = spawnSync(join(process.cwd(), 'node_modules/.bin/node'), ['--import', 'tsx', 'src/cli/main.ts', 'operator', '--help'], { encoding: 'utf8' });
    return new Set([...result.stdout.matchAll(/--([a-z][a-z-]*)/g)].map((match) => match[1] ?? ''));
  };

  beforeAll(async () => {
    kc = adminKubeConfig();
    await installCrd(kc);
    releaseNamespace = await createNamespace(kc, 'helm-rbac');
    poolNamespace = await createNamespace(kc, 'helm-pools');
    // Cluster-scoped names (ClusterRole, webhook configuration) must not collide across runs on one API server.
    fullname = `podpool-${releaseNamespace.slice(-6)}`;
    const { objects } = renderChart({ release: RELEASE, namespace: releaseNamespace, kubeVersion: serverKubeVersion(), values: { fullnameOverride: fullname } });
    rbacObjects = objects.filter((object) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(object.kind));
    const applied = kubectl(['apply', '-f', '-'], { input: toYamlStream(rbacObjects) });
    if (applied.status !== 0) throw new Error(`applying the chart's RBAC failed: ${applied.stderr}`);

    // The operator gets the Deployment's own flags, with free local ports, minus those it does not know yet.
    const known = supportedFlags();
    const provided = new Set(['namespace', 'identity', 'metrics-port', 'bind-address']);
    const extraArgs: string[] = [];
    droppedFlags = [];
    for (const arg of operatorContainer(objects).args.slice(1)) {
      const [, flag = '', value = ''] = /^--([a-z-]+)=(.*)$/.exec(arg) ?? [];
      if (provided.has(flag)) continue;
      if (!known.has(flag)) {
        droppedFlags.push(arg);
        continue;
      }
      extraArgs.push(flag.endsWith('-port') ? `--${flag}=${await freePort()}` : `--${flag}=${value}`);
    }
    if (droppedFlags.length > 0) console.log(`[helm rbac] podpool operator does not accept these Deployment flags yet; running without them: ${droppedFlags.join(' ')}`);
    if (extraArgs.some((arg) => arg.startsWith('--webhook-config='))) {
      // The operator patches the caBundle of the chart's configuration: it must exist.
      webhookConfiguration = find(objects, 'MutatingWebhookConfiguration');
      const created = kubectl(['apply', '-f', '-'], { input: toYamlStream([webhookConfiguration]) });
      if (created.status !== 0) throw new Error(`applying the webhook configuration failed: ${created.stderr}`);
    }

    ({ path: kubeconfigPath } = await serviceAccountKubeconfig(kc, releaseNamespace, fullname));
    operator = await startOperatorProcess({ leaseNamespace: releaseNamespace, identity: 'helm-rbac', kubeconfigPath, extraArgs });
  });

  afterAll(async () => {
    await operator?.stop();
    const clusterScoped = [...rbacObjects.filter((object) => object.kind.startsWith('Cluster')), ...(webhookConfiguration ? [webhookConfiguration] : [])];
    if (clusterScoped.length > 0) kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: toYamlStream(clusterScoped) });
  });

  it('reconciles a PodPool in another namespace to Ready pods, with status, events and the Lease', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      plural: PLURAL,
      namespace: poolNamespace,
      body: {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: 'PodPool',
        metadata: { name: 'rbac' },
        spec: { targetReadyPods: 3, maxPoolSize: 10, warmupSeconds: 5, scaleDownStabilizationSeconds: 0, podTemplate: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      },
    });
    await eventually(
      '3 Ready pods labelled ready',
      async () => {
        const pods = (await core.listNamespacedPod({ namespace: poolNamespace, labelSelector: `${POOL_LABEL}=rbac,${STATE_LABEL}=ready` })).items;
        return pods.length === 3 && pods.every((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      },
      45_000,
    );
    await eventually('status.readyPods = 3', async () => {
      const pool = (await custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: PLURAL, namespace: poolNamespace, name: 'rbac' })) as PodPool;
      return pool.status?.readyPods === 3;
    });
    await eventually('a ScaledUp event', async () => {
      const events = await core.listNamespacedEvent({ namespace: poolNamespace, fieldSelector: 'involvedObject.name=rbac' });
      return events.items.some((event) => event.reason === 'ScaledUp');
    });
    const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: releaseNamespace, name: 'podpool-controller' });
    expect(lease.spec?.holderIdentity).toBe('helm-rbac');
    const log = readFileSync(operator?.logFile ?? '', 'utf8');
    expect(log, `the operator was refused something (log: ${operator?.logFile})`).not.toMatch(/forbidden|"code":403|HTTP-Code: 403/i);
  }, 90_000);

  it('holds exactly the rules the chart grants, and no more', () => {
    const clusterWide: RbacRule[] = [
      { resource: 'events', resourceNames: [], verbs: ['create', 'patch'] },
      { resource: `mutatingwebhookconfigurations.admissionregistration.k8s.io`, resourceNames: [fullname], verbs: ['get', 'patch', 'update'] },
      { resource: 'pods', resourceNames: [], verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'] },
      { resource: 'podpools.podpool.dev', resourceNames: [], verbs: ['get', 'list', 'watch'] },
      { resource: 'podpools.podpool.dev/status', resourceNames: [], verbs: ['patch', 'update'] },
      { resource: 'subjectaccessreviews.authorization.k8s.io', resourceNames: [], verbs: ['create'] },
      { resource: 'tokenreviews.authentication.k8s.io', resourceNames: [], verbs: ['create'] },
    ];
    const ownNamespace: RbacRule[] = [
      { resource: 'leases.coordination.k8s.io', resourceNames: [], verbs: ['create'] },
      { resource: 'leases.coordination.k8s.io', resourceNames: ['podpool-controller'], verbs: ['get', 'update'] },
      { resource: 'secrets', resourceNames: [], verbs: ['create'] },
      { resource: 'secrets', resourceNames: [`${fullname}-tls`], verbs: ['get', 'update'] },
    ];
    const sorted = (list: RbacRule[]): RbacRule[] => [...list].sort((a, b) => `${a.resource}|${a.resourceNames.join(',')}`.localeCompare(`${b.resource}|${b.resourceNames.join(',')}`));
    expect(canIList(kubeconfigPath, poolNamespace)).toEqual(sorted(clusterWide));
    expect(canIList(kubeconfigPath, releaseNamespace)).toEqual(sorted([...clusterWide, ...ownNamespace]));
  });

  it('cannot read Secrets cluster-wide nor change or delete PodPools', () => {
    const can = (...args: string[]): boolean => canI(kubeconfigPath, args);
    expect(can('get', 'secrets', '--all-namespaces')).toBe(false);
    expect(can('list', 'secrets', '-n', poolNamespace)).toBe(false);
    expect(can('list', 'secrets', '-n', releaseNamespace)).toBe(false);
    expect(can('get', 'secrets/some-other-secret', '-n', releaseNamespace)).toBe(false);
    expect(can('get', `secrets/${fullname}-tls`, '-n', releaseNamespace)).toBe(true);
    expect(can('delete', 'podpools.podpool.dev', '--all-namespaces')).toBe(false);
    expect(can('update', 'podpools.podpool.dev', '--all-namespaces')).toBe(false);
    expect(can('create', 'podpools.podpool.dev', '-n', poolNamespace)).toBe(false);
    expect(can('update', 'podpools.podpool.dev', '--subresource=scale', '--all-namespaces')).toBe(false);
    expect(can('update', 'leases.coordination.k8s.io/someone-else', '-n', releaseNamespace)).toBe(false);
    expect(can('create', 'leases.coordination.k8s.io', '-n', poolNamespace)).toBe(false);
    expect(can('patch', 'mutatingwebhookconfigurations/another-webhook')).toBe(false);
    expect(can('patch', 'pods', '-n', poolNamespace)).toBe(true);
  });
});
