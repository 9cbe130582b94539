/**
 * The Helm chart (charts/podpool) against the locally built helm and the real local API server:
 * lint, render with every optional part, server-side dry-run of what renders, the values schema,
 * a real install/upgrade/uninstall (the TLS Secret survives), and the operator running under
 * exactly the chart's RBAC, with every API call it makes recorded and checked against the table
 * of permissions the code needs (OPERATOR_PERMISSIONS).
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1MutatingWebhookConfiguration,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { podPoolClaimCrdYaml, podPoolCrdYaml } from '../../src/api/crd.js';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL, STATE_LABEL } from '../../src/api/labels.js';
import type { PodPool } from '../../src/api/schema.js';
import { webhookConfiguration } from '../../src/webhook/configuration.js';
import { CLAIM_PLURAL, type PodPoolClaim } from '../../src/api/claim-schema.js';
import { adminKubeConfig, createNamespace, eventually, installCrd, kubectl, serviceAccountKubeconfig } from './support/cluster.js';
import {
  CHART_DIR,
  canI,
  canIList,
  helm,
  renderChart,
  servedKinds,
  serverKubeVersion,
  templateArgs,
  toYamlStream,
  type KubeObject,
  type RbacRule,
} from './support/helm.js';
import { freePort, kubeconfigYaml } from '../../dev/cluster/control-plane.js';
import { issueCertificate } from '../../dev/cluster/pki.js';
import { callReservations } from '../../dev/probes/reservations-api.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';
import { promtool } from '../../dev/cluster/prometheus.js';

const CRD_FILES = { 'podpool.dev_podpools.yaml': podPoolCrdYaml, 'podpool.dev_podpoolclaims.yaml': podPoolClaimCrdYaml };
const RELEASE = 'podpool';

/** Kinds whose CRDs (Prometheus Operator, cert-manager, KEDA) the local API server does not have. */
const KINDS_FROM_ABSENT_CRDS = new Set([
  'monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule',
  'cert-manager.io/v1/Issuer',
  'cert-manager.io/v1/Certificate',
  'keda.sh/v1alpha1/ScaledObject',
]);

/** Every optional part on. */
const ALL_TOGGLES = {
  'certManager.enabled': true,
  'networkPolicy.enabled': true,
  'serviceMonitor.enabled': true,
  'prometheusRule.enabled': true,
  'grafanaDashboard.enabled': true,
  'example.enabled': true,
};

const VALUE_SETS: Record<string, Record<string, unknown>> = {
  defaults: {},
  'every optional part (cert-manager, NetworkPolicy, ServiceMonitor, PrometheusRule, Grafana dashboard, example + external ScaledObject)':
    ALL_TOGGLES,
  'example with an external-push ScaledObject, cert-manager with a ClusterIssuer': {
    ...ALL_TOGGLES,
    'example.scaledObject.trigger': 'external-push',
    'certManager.issuerRef': { kind: 'ClusterIssuer', name: 'my-ca' },
  },
  'example with a metrics-api ScaledObject, one replica, no aggregated roles, NetworkPolicy without cert-manager': {
    'example.enabled': true,
    'example.scaledObject.trigger': 'metrics-api',
    replicaCount: 1,
    'rbac.aggregateToDefaultRoles': false,
    'networkPolicy.enabled': true,
  },
};

// ---------------------------------------------------------------------------------------------
// What the operator calls, and why: the one source for the chart's operator RBAC.
// ---------------------------------------------------------------------------------------------

/** The operator's own objects, which RBAC limits the rules to by name. */
interface OwnNames {
  lease: string;
  tlsSecret: string;
  webhookConfiguration: string;
}

interface Permission {
  /** `cluster`: the operator's ClusterRole (every namespace); `release`: its Role in the release namespace. */
  scope: 'cluster' | 'release';
  group: string;
  /** resource, or resource/subresource */
  resource: string;
  verb: string;
  /** Limited to one of the operator's own objects (resourceNames). */
  name?: keyof OwnNames;
  /** Only when the operator manages its own certificate (not with certManager.enabled). */
  selfManagedTls?: true;
  /** The code that makes the call. */
  usedBy: string;
}

/**
 * Every (API group, resource, verb) `podpool operator` calls, with the code path that needs it.
 * The chart's ClusterRole and Role must grant exactly these (nothing more, nothing less), and the
 * test below runs the operator under the chart's RBAC through a recording proxy and checks that
 * it calls each of them and nothing else. When the code starts or stops calling something,
 * change this table and charts/podpool/templates/rbac.yaml together.
 */
const OPERATOR_PERMISSIONS: Permission[] = [
  { scope: 'cluster', group: 'podpool.dev', resource: 'podpools', verb: 'list', usedBy: 'ClusterCache informer (src/kube/cache.ts)' },
  {
    scope: 'cluster',
    group: 'podpool.dev',
    resource: 'podpools',
    verb: 'watch',
    usedBy: 'ClusterCache informer (src/kube/cache.ts, src/kube/informer.ts)',
  },
  {
    scope: 'cluster',
    group: 'podpool.dev',
    resource: 'podpools',
    verb: 'get',
    usedBy:
      'webhook: one live read of a pool its cache does not know before denying a pod (src/webhook/live-pool-reader.ts, pool-confirmation.ts)',
  },
  {
    scope: 'cluster',
    group: 'podpool.dev',
    resource: 'podpools/status',
    verb: 'patch',
    usedBy:
      'controller status (src/controller/kube-pool-writer.ts writeStatus); unmet reservations (src/reservations/kube-unmet-demand-writer.ts)',
  },
  {
    scope: 'cluster',
    group: 'podpool.dev',
    resource: 'podpoolclaims',
    verb: 'list',
    usedBy: 'ClaimCache informer (src/claims/claim-cache.ts)',
  },
  {
    scope: 'cluster',
    group: 'podpool.dev',
    resource: 'podpoolclaims',
    verb: 'watch',
    usedBy: 'ClaimCache informer (src/claims/claim-cache.ts)',
  },
  {
    scope: 'cluster',
    group: 'podpool.dev',
    resource: 'podpoolclaims',
    verb: 'get',
    usedBy:
      'releasing the pod of a claim the cache no longer shows, after reading it (src/claims/orphans.ts, kube-claim-writer.ts readClaim)',
  },
  {
    scope: 'cluster',
    group: 'podpool.dev',
    resource: 'podpoolclaims/status',
    verb: 'patch',
    usedBy: 'claim controller status (src/claims/kube-claim-writer.ts writeStatus)',
  },
  { scope: 'cluster', group: '', resource: 'pods', verb: 'list', usedBy: 'ClusterCache informer of pool pods (src/kube/cache.ts)' },
  { scope: 'cluster', group: '', resource: 'pods', verb: 'watch', usedBy: 'ClusterCache informer of pool pods (src/kube/cache.ts)' },
  {
    scope: 'cluster',
    group: '',
    resource: 'pods',
    verb: 'create',
    usedBy: 'controller scale-up (src/controller/kube-pool-writer.ts createPod)',
  },
  {
    scope: 'cluster',
    group: '',
    resource: 'pods',
    verb: 'patch',
    usedBy:
      'controller relabels (kube-pool-writer.ts patchPodMetadata); reservation and claim hand-over (src/reservations/kube-pod-writer.ts reserve)',
  },
  {
    scope: 'cluster',
    group: '',
    resource: 'pods',
    verb: 'delete',
    usedBy: 'controller scale-down and expiry (kube-pool-writer.ts deletePod); reservation release (kube-pod-writer.ts delete)',
  },
  {
    scope: 'cluster',
    group: '',
    resource: 'pods',
    verb: 'get',
    usedBy: 'reservation release of a pod the cache does not show reserved, and after an unanswered reserve (kube-pod-writer.ts read)',
  },
  { scope: 'cluster', group: '', resource: 'events', verb: 'create', usedBy: 'events on pools and claims (src/kube/events.ts)' },
  { scope: 'cluster', group: '', resource: 'events', verb: 'patch', usedBy: 'a repeated event bumps its count (src/kube/events.ts)' },
  {
    scope: 'cluster',
    group: 'authentication.k8s.io',
    resource: 'tokenreviews',
    verb: 'create',
    usedBy: 'reservation API authentication (src/reservations/auth.ts)',
  },
  {
    scope: 'cluster',
    group: 'authorization.k8s.io',
    resource: 'subjectaccessreviews',
    verb: 'create',
    usedBy: 'reservation API authorization of podpools/reservations (src/reservations/auth.ts)',
  },
  {
    scope: 'cluster',
    group: 'admissionregistration.k8s.io',
    resource: 'mutatingwebhookconfigurations',
    verb: 'get',
    name: 'webhookConfiguration',
    selfManagedTls: true,
    usedBy: 'caBundle check (src/tls/secret-store.ts patchCaBundle)',
  },
  {
    scope: 'cluster',
    group: 'admissionregistration.k8s.io',
    resource: 'mutatingwebhookconfigurations',
    verb: 'patch',
    name: 'webhookConfiguration',
    selfManagedTls: true,
    usedBy: 'caBundle update, a guarded JSON patch (src/tls/secret-store.ts patchCaBundle)',
  },
  {
    scope: 'release',
    group: 'coordination.k8s.io',
    resource: 'leases',
    verb: 'create',
    usedBy: 'first leader election (src/kube/leader-election.ts)',
  },
  {
    scope: 'release',
    group: 'coordination.k8s.io',
    resource: 'leases',
    verb: 'get',
    name: 'lease',
    usedBy: 'leader election (src/kube/leader-election.ts)',
  },
  {
    scope: 'release',
    group: 'coordination.k8s.io',
    resource: 'leases',
    verb: 'update',
    name: 'lease',
    usedBy: 'lease acquire, renew, release (src/kube/leader-election.ts)',
  },
  {
    scope: 'release',
    group: '',
    resource: 'secrets',
    verb: 'get',
    name: 'tlsSecret',
    selfManagedTls: true,
    usedBy: 'serving certificate check (src/tls/secret-store.ts ensureCertificateSecret)',
  },
  {
    scope: 'release',
    group: '',
    resource: 'secrets',
    verb: 'update',
    name: 'tlsSecret',
    selfManagedTls: true,
    usedBy: 'fills the chart-made Secret, renews certificates (secret-store.ts ensureCertificateSecret)',
  },
];

function permissionKey(scope: string, group: string, resource: string, verb: string, name: string | undefined): string {
  return `${scope} ${group || 'core'} ${resource} ${verb}${name === undefined ? '' : ` name=${name}`}`;
}

function expectedPermissionKeys(names: OwnNames, options: { certManager: boolean }): string[] {
  return OPERATOR_PERMISSIONS.filter((p) => !(options.certManager && p.selfManagedTls))
    .map((p) => permissionKey(p.scope, p.group, p.resource, p.verb, p.name === undefined ? undefined : names[p.name]))
    .sort();
}

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

function rules(object: KubeObject): PolicyRule[] {
  return (object as unknown as { rules: PolicyRule[] }).rules;
}

/** The operator's ClusterRole and Role, rendered, as one key per (scope, group, resource, verb, name). */
function grantedPermissionKeys(objects: KubeObject[], fullname: string): string[] {
  const keys: string[] = [];
  for (const [kind, scope] of [
    ['ClusterRole', 'cluster'],
    ['Role', 'release'],
  ] as const) {
    for (const rule of rules(find(objects, kind, fullname))) {
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs)
            for (const name of rule.resourceNames ?? [undefined]) keys.push(permissionKey(scope, group, resource, verb, name));
    }
  }
  return keys.sort();
}

/** What `kubectl auth can-i --list` must show in `namespace` for the table (resource[.group][/sub], names, verbs). */
function expectedCanIList(names: OwnNames, inReleaseNamespace: boolean): RbacRule[] {
  const merged = new Map<string, RbacRule>();
  for (const p of OPERATOR_PERMISSIONS) {
    if (p.scope === 'release' && !inReleaseNamespace) continue;
    const [base = '', sub] = p.resource.split('/');
    const resource = `${base}${p.group ? `.${p.group}` : ''}${sub ? `/${sub}` : ''}`;
    const resourceNames = p.name === undefined ? [] : [names[p.name]];
    const key = `${resource}|${resourceNames.join(',')}`;
    const rule = merged.get(key) ?? { resource, resourceNames, verbs: [] };
    rule.verbs = [...new Set([...rule.verbs, p.verb])].sort();
    merged.set(key, rule);
  }
  return mergeCanI([...merged.values()]);
}

/** Lines of `can-i --list` for one resource and names merged (kubectl prints one per rule). */
function mergeCanI(list: RbacRule[]): RbacRule[] {
  const merged = new Map<string, RbacRule>();
  for (const rule of list) {
    const key = `${rule.resource}|${rule.resourceNames.join(',')}`;
    const existing = merged.get(key);
    merged.set(key, { ...rule, verbs: [...new Set([...(existing?.verbs ?? []), ...rule.verbs])].sort() });
  }
  return [...merged.values()].sort((a, b) =>
    `${a.resource}|${a.resourceNames.join(',')}`.localeCompare(`${b.resource}|${b.resourceNames.join(',')}`),
  );
}

// ---------------------------------------------------------------------------------------------
// A recording proxy between the operator and the API server.
// ---------------------------------------------------------------------------------------------

interface ApiCall {
  method: string;
  path: string;
  verb: string;
  group: string;
  resource: string;
  namespace?: string | undefined;
  name?: string | undefined;
  status: number;
}

/** The RBAC attributes of a request, as the API server's authorizer sees them; undefined for non-resource paths. */
function describeRequest(method: string, url: string): Omit<ApiCall, 'status'> | undefined {
  const { pathname, searchParams } = new URL(url, 'https://proxy.invalid');
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) [group, rest] = ['', parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 4) [group, rest] = [parts[1] ?? '', parts.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) [namespace, rest] = [rest[1], rest.slice(2)];
  const [resource = '', name, subresource] = rest;
  const watch = ['true', '1'].includes(searchParams.get('watch') ?? '');
  const verb =
    {
      GET: name !== undefined ? 'get' : watch ? 'watch' : 'list',
      POST: 'create',
      PUT: 'update',
      PATCH: 'patch',
      DELETE: name !== undefined ? 'delete' : 'deletecollection',
    }[method] ?? method.toLowerCase();
  return {
    method,
    path: pathname,
    verb,
    group,
    resource: subresource === undefined ? resource : `${resource}/${subresource}`,
    namespace,
    name,
  };
}

interface RecordingProxy {
  url: string;
  caPem: string;
  calls: ApiCall[];
  /** Requests to non-resource paths (discovery, /version). */
  nonResource: string[];
  close(): void;
}

/** An HTTPS reverse proxy to the API server that records every request's RBAC attributes and answer. */
async function startRecordingProxy(kc: KubeConfig): Promise<RecordingProxy> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('no cluster in the admin kubeconfig');
  const upstream = new URL(cluster.server);
  const upstreamCa = Buffer.from(cluster.caData ?? '', 'base64').toString();
  const ca = await issueCertificate({ commonName: 'podpool-test-proxy-ca' });
  const serving = await issueCertificate({
    commonName: '127.0.0.1',
    issuer: ca,
    leaf: { serverAuth: true, ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] },
  });
  const calls: ApiCall[] = [];
  const nonResource: string[] = [];
  const server = createHttpsServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const described = describeRequest(req.method ?? 'GET', req.url ?? '/');
    if (described === undefined) nonResource.push(`${req.method} ${req.url}`);
    // agent: false, one upstream connection per request: a pooled socket could be handed to
    // another request while this one is still being torn down.
    const forward = httpsRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
        ca: upstreamCa,
        agent: false,
      },
      (answer) => {
        if (described !== undefined) calls.push({ ...described, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // Send the headers now: a watch with no event yet has no body to carry them.
        res.flushHeaders();
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    forward.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    });
    // A client that goes away mid-answer (a watch stopped, the operator shut down) ends the upstream request.
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem: ca.certPem,
    calls,
    nonResource,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------

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

interface IngressRule {
  ports: { port: string; protocol: string }[];
  from?: unknown[];
}

function ingressRules(objects: KubeObject[]): IngressRule[] {
  return (find(objects, 'NetworkPolicy') as unknown as { spec: { ingress: IngressRule[] } }).spec.ingress;
}

/** Peers (undefined: any source) admitted to a named port, per rule. */
function peersOf(objects: KubeObject[], port: string): (unknown[] | undefined)[] {
  return ingressRules(objects)
    .filter((rule) => rule.ports.some((p) => p.port === port))
    .map((rule) => rule.from);
}

function helmWithCluster(args: string[]): ReturnType<typeof helm> {
  return helm([...args, '--kubeconfig', inject('kubeconfigPath')]);
}

describe('the Helm chart', () => {
  let kc: KubeConfig;
  let kubeVersion: string;

  beforeAll(async () => {
    kc = adminKubeConfig();
    await installCrd(kc);
    kubeVersion = serverKubeVersion();
  });

  it.each(Object.entries(CRD_FILES))(
    'ships the generated CRD %s from one source: charts/podpool/crds links to crds/, and helm follows the link',
    (file, generate) => {
      const link = join(CHART_DIR, 'crds', file);
      expect(lstatSync(link).isSymbolicLink(), `${link} must be a symlink to ../../../crds/${file}`).toBe(true);
      expect(readlinkSync(link)).toBe(`../../../crds/${file}`);
      const source = readFileSync(join('crds', file), 'utf8');
      expect(source, `crds/${file} is stale; regenerate it: npm run -s crd`).toBe(generate());
      const crd = parse(source) as KubeObject;

      // helm template --include-crds renders it ...
      const { objects } = renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion, extraArgs: ['--include-crds'] });
      expect(
        objects
          .filter((object) => object.kind === 'CustomResourceDefinition')
          .map((object) => object.metadata.name)
          .sort(),
      ).toEqual(['podpoolclaims.podpool.dev', 'podpools.podpool.dev']);
      expect(find(objects, 'CustomResourceDefinition', crd.metadata.name)).toEqual(crd);
      // ... and helm package stores the file's contents, not the link.
      const out = mkdtempSync(join(tmpdir(), 'podpool-helm-package-'));
      const packaged = helm(['package', CHART_DIR, '--destination', out]);
      expect(packaged.status, packaged.stderr).toBe(0);
      const archive = join(out, 'podpool-0.1.0.tgz');
      const extracted = spawnSync('tar', ['-xzOf', archive, `podpool/crds/${file}`], { encoding: 'utf8' });
      expect(extracted.status, extracted.stderr).toBe(0);
      expect(extracted.stdout).toBe(source);
      const shown = helm(['show', 'crds', archive]);
      expect(shown.status, shown.stderr).toBe(0);
      // It prints every CRD file of the chart as it is, one after the other.
      expect(shown.stdout).toContain(source);
      // The README's upgrade step applies the chart's crds/ directory with kubectl.
      const applied = kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', join(CHART_DIR, 'crds')]);
      expect(applied.status, applied.stderr).toBe(0);
      expect(applied.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/${crd.metadata.name}`);
    },
  );

  it('renders and lints without --kube-version: helm is built for the pinned Kubernetes version (dev/cluster/build.sh)', () => {
    const [major, minor] = kubeVersion.replace(/^v/, '').split('.');
    // A throwaway chart that prints the Kubernetes version helm assumes without a cluster.
    const probe = mkdtempSync(join(tmpdir(), 'podpool-helm-kubeversion-'));
    mkdirSync(join(probe, 'templates'));
    writeFileSync(join(probe, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.0.1\n');
    writeFileSync(join(probe, 'templates', 'version.yaml'), 'kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}\n');
    const version = helm(['template', 'probe', probe]);
    expect(version.status, version.stderr).toBe(0);
    expect(/kubeVersion: "([^"]*)"/.exec(version.stdout)?.[1]).toBe(`v${major}.${minor}.0`);

    const template = helm(['template', RELEASE, CHART_DIR]);
    expect(template.status, template.stderr).toBe(0);
    const lint = helm(['lint', CHART_DIR, '--strict']);
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
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
    for (const object of skipped)
      expect(KINDS_FROM_ABSENT_CRDS, `${key(object)} is not served and not expected to be missing`).toContain(key(object));
    const applied = kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: toYamlStream(objects.filter((object) => served.has(key(object)))),
    });
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
        'ClusterRole/podpool-claims-edit',
        'ClusterRole/podpool-edit',
        'ClusterRole/podpool-reservations-user',
        'ClusterRole/podpool-reservations-admin',
        'ClusterRole/podpool-view',
        'ClusterRoleBinding/podpool',
        'Deployment/podpool',
        'MutatingWebhookConfiguration/podpool',
        'PodDisruptionBudget/podpool',
        'Role/podpool',
        'RoleBinding/podpool',
        'Secret/podpool-tls',
        'Service/podpool-metrics',
        'Service/podpool-reservations',
        'Service/podpool-scaler',
        'Service/podpool-webhook',
        'ServiceAccount/podpool',
      ].sort(),
    );

    // Callers release only their own reservations; the admin role's custom verb releases anyone's.
    const reservationRules = (verbs: string[]) => [{ apiGroups: ['podpool.dev'], resources: ['podpools/reservations'], verbs }];
    expect(find(objects, 'ClusterRole', 'podpool-reservations-user').rules).toEqual(reservationRules(['create', 'list', 'delete']));
    const reservationsAdmin = find(objects, 'ClusterRole', 'podpool-reservations-admin');
    expect(reservationsAdmin.rules).toEqual(reservationRules(['create', 'list', 'delete', 'release-any']));
    expect(reservationsAdmin.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-admin']).toBe('true');
    // Whoever may edit a namespace may claim pods from its pools: plain RBAC on podpoolclaims.
    const claimsEdit = find(objects, 'ClusterRole', 'podpool-claims-edit');
    expect(claimsEdit.rules).toEqual([
      {
        apiGroups: ['podpool.dev'],
        resources: ['podpoolclaims'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
      },
      { apiGroups: ['podpool.dev'], resources: ['podpoolclaims/status'], verbs: ['get'] },
    ]);
    expect(claimsEdit.metadata.labels).toMatchObject({
      'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
      'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
    });

    const deployment = find(objects, 'Deployment') as unknown as {
      spec: { replicas: number; template: { spec: Record<string, unknown> } };
    };
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

    // The chart renders exactly what webhookConfiguration() builds for a Service target: one
    // source of truth, checked field by field (only the chart's own labels differ).
    const rendered = find(objects, 'MutatingWebhookConfiguration') as unknown as V1MutatingWebhookConfiguration;
    const built = webhookConfiguration({
      target: { service: { name: 'podpool-webhook', namespace: 'podpool-system', port: 443 } },
      operatorNamespace: 'podpool-system',
    });
    expect(rendered.metadata?.name).toBe(built.metadata?.name);
    expect(rendered.webhooks).toEqual(built.webhooks);
    const webhook = rendered.webhooks ?? [];
    // The operator owns the caBundle; a templated one would be written back on every upgrade.
    expect(webhook[0]?.clientConfig.caBundle).toBeUndefined();
  });

  it('creates the TLS Secret empty and keeps it across uninstalls, so the operator needs no create on Secrets', () => {
    const { objects } = renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion });
    const secret = find(objects, 'Secret', 'podpool-tls') as KubeObject & { type?: string };
    expect(secret.metadata.namespace).toBe('podpool-system');
    expect(secret.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    // Opaque: kubernetes.io/tls would require tls.crt and tls.key keys, and any key the chart
    // sets would be written over the operator's certificates by helm upgrade's three-way merge.
    expect(secret.type).toBe('Opaque');
    for (const field of ['data', 'stringData']) expect(secret[field], `the chart must not set Secret ${field}`).toBeUndefined();
  });

  it('grants the operator exactly the permissions the code needs (OPERATOR_PERMISSIONS), with and without cert-manager', () => {
    const names: OwnNames = { lease: 'podpool-controller', tlsSecret: 'podpool-tls', webhookConfiguration: 'podpool' };
    const plain = renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion }).objects;
    expect(grantedPermissionKeys(plain, 'podpool')).toEqual(expectedPermissionKeys(names, { certManager: false }));
    const withCertManager = renderChart({
      release: RELEASE,
      namespace: 'podpool-system',
      kubeVersion,
      values: { 'certManager.enabled': true },
    }).objects;
    expect(grantedPermissionKeys(withCertManager, 'podpool')).toEqual(expectedPermissionKeys(names, { certManager: true }));
    // The bindings give those roles to the operator's ServiceAccount, and only to it.
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      const binding = find(plain, kind, 'podpool') as unknown as { roleRef: { kind: string; name: string }; subjects: unknown[] };
      expect(binding.roleRef).toMatchObject({ kind: kind.replace('Binding', ''), name: 'podpool' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'podpool', namespace: 'podpool-system' }]);
    }
  });

  it('renders the cert-manager variant: injected caBundle, mounted certificate, no Secret access and no Secret', () => {
    const { objects } = renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values: ALL_TOGGLES });
    expect(find(objects, 'MutatingWebhookConfiguration').metadata.annotations).toEqual({
      'cert-manager.io/inject-ca-from': 'podpool-system/podpool-serving',
    });
    const certificate = find(objects, 'Certificate') as unknown as { spec: { secretName: string; dnsNames: string[] } };
    expect(certificate.spec.secretName).toBe('podpool-tls');
    expect(certificate.spec.dnsNames).toContain('podpool-webhook.podpool-system.svc');
    expect(certificate.spec.dnsNames).toContain('podpool-reservations.podpool-system.svc');
    // cert-manager makes the Secret: the chart must not.
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    const container = operatorContainer(objects);
    expect(container.args).toContain('--cert-dir=/etc/podpool/tls');
    expect(container.args.filter((arg) => /^--(tls-secret|webhook-config|service-names)=/.test(arg))).toEqual([]);
    expect(container.volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/podpool/tls', readOnly: true });
    expect(rules(find(objects, 'Role')).some((rule) => rule.resources.includes('secrets'))).toBe(false);
    // cert-manager's CA injector owns the caBundle: the operator needs no access to the configuration.
    expect(rules(find(objects, 'ClusterRole', 'podpool')).some((rule) => rule.resources.includes('mutatingwebhookconfigurations'))).toBe(
      false,
    );
    for (const kind of ['NetworkPolicy', 'ServiceMonitor', 'PrometheusRule', 'Issuer', 'PodPool', 'ScaledObject'])
      expect(find(objects, kind)).toBeDefined();
    const scaledObject = find(objects, 'ScaledObject') as unknown as { spec: Record<string, unknown> };
    expect(scaledObject.spec).toMatchObject({
      scaleTargetRef: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'PodPool', name: 'sandboxes' },
      minReplicaCount: 1,
      maxReplicaCount: 20,
      // The HPA takes the engine's count in one step (up to maxReplicaCount per 15 s) and adds no second scale-down window.
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 20, periodSeconds: 15 }] },
            scaleDown: { stabilizationWindowSeconds: 0 },
          },
        },
      },
      triggers: [
        {
          type: 'external',
          metadata: {
            scalerAddress: 'podpool-scaler.podpool-system.svc:9090',
            podPoolName: 'sandboxes',
            podPoolNamespace: 'podpool-system',
          },
        },
      ],
    });
  });

  it('renders the PrometheusRule from files/rules.yaml unchanged but for the runbook URLs, and promtool accepts what it renders', () => {
    interface RuleGroups {
      groups: { name: string; rules: { alert?: string; annotations?: Record<string, string> }[] }[];
    }
    const source = parse(readFileSync(join(CHART_DIR, 'files/rules.yaml'), 'utf8')) as RuleGroups;
    const render = (values: Record<string, unknown>) =>
      find(
        renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values: { 'prometheusRule.enabled': true, ...values } })
          .objects,
        'PrometheusRule',
      ) as unknown as { spec: RuleGroups; metadata: KubeObject['metadata'] };
    const plain = render({ 'prometheusRule.labels': { release: 'kube-prometheus' } });
    expect(plain.spec).toEqual(source);
    expect(plain.metadata.labels?.release).toBe('kube-prometheus');
    const file = join(mkdtempSync(join(tmpdir(), 'podpool-rules-')), 'rendered.yaml');
    writeFileSync(file, JSON.stringify(plain.spec));
    const checked = promtool(['check', 'rules', file]);
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);

    const linked = render({ 'prometheusRule.runbookBaseUrl': 'https://docs.example/podpool/' });
    const urls = linked.spec.groups
      .flatMap((group) => group.rules)
      .filter((rule) => rule.alert !== undefined)
      .map((rule) => rule.annotations?.runbook_url);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^https:\/\/docs\.example\/podpool\/README\.md#podpool[a-z]+$/);
    expect(
      renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion }).objects.filter(
        (object) => object.kind === 'PrometheusRule',
      ),
    ).toEqual([]);
  });

  it("renders the Grafana dashboard ConfigMap from dashboards/podpool.json, labelled for Grafana's sidecar", () => {
    const link = join(CHART_DIR, 'files/dashboard.json');
    expect(lstatSync(link).isSymbolicLink(), `${link} must link to dashboards/podpool.json`).toBe(true);
    expect(readlinkSync(link)).toBe('../../../dashboards/podpool.json');
    const values = {
      'grafanaDashboard.enabled': true,
      'grafanaDashboard.namespace': 'monitoring',
      'grafanaDashboard.annotations': { grafana_folder: 'podpool' },
    };
    const configMap = find(
      renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values }).objects,
      'ConfigMap',
      'podpool-dashboard',
    ) as KubeObject & { data: Record<string, string> };
    expect(configMap.metadata.namespace).toBe('monitoring');
    expect(configMap.metadata.labels?.grafana_dashboard).toBe('1');
    expect(configMap.metadata.annotations).toEqual({ grafana_folder: 'podpool' });
    expect(JSON.parse(configMap.data['podpool.json'] ?? '')).toEqual(JSON.parse(readFileSync('dashboards/podpool.json', 'utf8')));
    expect(
      renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion }).objects.filter((object) => object.kind === 'ConfigMap'),
    ).toEqual([]);
  });

  it("renders a ServiceMonitor that keeps the pools' own namespace label", () => {
    const monitor = find(
      renderChart({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values: { 'serviceMonitor.enabled': true } }).objects,
      'ServiceMonitor',
    ) as unknown as {
      spec: { endpoints: { honorLabels?: boolean }[] };
    };
    expect(monitor.spec.endpoints.map((endpoint) => endpoint.honorLabels)).toEqual([true]);
  });

  it('renders a NetworkPolicy that admits KEDA to the scaler and Prometheus to /metrics', () => {
    const keda = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } } }];
    const monitoring = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }];
    const defaults = renderChart({
      release: RELEASE,
      namespace: 'podpool-system',
      kubeVersion,
      values: { 'networkPolicy.enabled': true, 'serviceMonitor.enabled': true },
    }).objects;
    // The ServiceMonitor scrapes the metrics Service's http-metrics port, which the policy admits from the scrapers.
    const monitor = find(defaults, 'ServiceMonitor') as unknown as { spec: { endpoints: { port: string }[] } };
    expect(monitor.spec.endpoints.map((endpoint) => endpoint.port)).toEqual(['http-metrics']);
    expect(peersOf(defaults, 'https-webhook')).toEqual([undefined]);
    expect(peersOf(defaults, 'https-reserve')).toEqual([undefined]);
    expect(peersOf(defaults, 'grpc-scaler')).toEqual([keda]);
    expect(peersOf(defaults, 'http-metrics')).toEqual([keda, monitoring]);

    const prometheus = [
      {
        namespaceSelector: { matchLabels: { team: 'observability' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      },
    ];
    const custom = renderChart({
      release: RELEASE,
      namespace: 'podpool-system',
      kubeVersion,
      values: { 'networkPolicy.enabled': true, 'networkPolicy.metricsFrom': prometheus, 'networkPolicy.reservationsFrom': keda },
    }).objects;
    expect(peersOf(custom, 'http-metrics')).toEqual([keda, prometheus]);
    expect(peersOf(custom, 'https-reserve')).toEqual([keda]);
    // An empty list admits any source to that rule's ports.
    const open = renderChart({
      release: RELEASE,
      namespace: 'podpool-system',
      kubeVersion,
      values: { 'networkPolicy.enabled': true, 'networkPolicy.metricsFrom': [] },
    }).objects;
    expect(peersOf(open, 'http-metrics')).toEqual([keda, undefined]);
  });

  it.each([
    [{ replicaCount: 0 }, "at '/replicaCount': minimum"],
    [{ 'webhook.failurePolicy': 'Sometimes' }, "at '/webhook/failurePolicy': value must be one of 'Ignore', 'Fail'"],
    [{ replicas: 3 }, "additional properties 'replicas' not allowed"],
    [{ 'image.pullPolicy': 'always' }, "at '/image/pullPolicy'"],
    [{ 'ports.webhook': 70000 }, "at '/ports/webhook': maximum"],
    [{ 'example.scaledObject.trigger': 'cron' }, "at '/example/scaledObject/trigger'"],
    [{ 'resources.limits.memory': 'lots' }, "at '/resources/limits/memory'"],
    [
      { 'networkPolicy.metricsFrom': [{ namespaceSelectors: {} }] },
      "at '/networkPolicy/metricsFrom/0': additional properties 'namespaceSelectors' not allowed",
    ],
    [{ 'networkPolicy.scalerAndMetricsFrom': [] }, "at '/networkPolicy': additional properties 'scalerAndMetricsFrom' not allowed"],
  ])('values.schema.json rejects %j', (values, message) => {
    const result = helm(templateArgs({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values }));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toContain(message);
  });

  it('refuses several replicas without leader election', () => {
    const result = helm(
      templateArgs({ release: RELEASE, namespace: 'podpool-system', kubeVersion, values: { 'leaderElection.enabled': false } }),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('leaderElection.enabled=false needs replicaCount=1');
    const single = helm(
      templateArgs({
        release: RELEASE,
        namespace: 'podpool-system',
        kubeVersion,
        values: { 'leaderElection.enabled': false, replicaCount: 1 },
      }),
    );
    expect(single.status, single.stderr).toBe(0);
    expect(single.stdout).toContain('--leader-elect=false');
  });
});

/**
 * A real `helm install`, `upgrade`, `uninstall` and reinstall against the local API server: the
 * TLS Secret the chart creates keeps the certificates written into it through all of them.
 */
describe('helm install, upgrade and uninstall keep the certificates in the TLS Secret', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let namespace: string;
  let fullname: string;
  let values: string[];

  const secret = () => core.readNamespacedSecret({ namespace, name: `${fullname}-tls` });

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    await installCrd(kc);
    namespace = await createNamespace(kc, 'helm-life');
    fullname = `podpool-life-${namespace.slice(-6)}`;
    // One replica and no aggregated roles keep the release small; the pods run on kwok's fake nodes.
    values = ['--set', `fullnameOverride=${fullname}`, '--set', 'replicaCount=1', '--set', 'rbac.aggregateToDefaultRoles=false'];
  });

  afterAll(() => {
    helmWithCluster(['uninstall', RELEASE, '--namespace', namespace]);
    kubectl(['delete', 'secret', '--ignore-not-found', '--wait=false', '-n', namespace, `${fullname}-tls`]);
  });

  it('installs, fills, upgrades, uninstalls and reinstalls without losing the Secret data', async () => {
    const installed = helmWithCluster(['install', RELEASE, CHART_DIR, '--namespace', namespace, ...values]);
    expect(installed.status, installed.stderr).toBe(0);
    const empty = await secret();
    expect(empty.type).toBe('Opaque');
    expect(empty.data ?? {}).toEqual({});

    // What the operator stores (src/tls/secret-store.ts SECRET_KEYS), written the way a replace keeps metadata.
    const data = Object.fromEntries(
      ['tls.crt', 'tls.key', 'ca.crt', 'ca.key', 'ca-bundle.crt'].map((k) => [k, Buffer.from(`${k} of the operator`).toString('base64')]),
    );
    const filled = kubectl(['patch', 'secret', '-n', namespace, `${fullname}-tls`, '--type=merge', '-p', JSON.stringify({ data })]);
    expect(filled.status, filled.stderr).toBe(0);

    // An upgrade that changes the release: the three-way merge must leave the data alone.
    const upgraded = helmWithCluster(['upgrade', RELEASE, CHART_DIR, '--namespace', namespace, ...values, '--set', 'logLevel=debug']);
    expect(upgraded.status, upgraded.stderr).toBe(0);
    const deployment = kubectl([
      'get',
      'deployment',
      '-n',
      namespace,
      fullname,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="LOG_LEVEL")].value}',
    ]);
    expect(deployment.stdout).toBe('debug');
    expect((await secret()).data).toEqual(data);

    // Uninstall keeps it (helm.sh/resource-policy: keep) ...
    const uninstalled = helmWithCluster(['uninstall', RELEASE, '--namespace', namespace]);
    expect(uninstalled.status, uninstalled.stderr).toBe(0);
    expect(uninstalled.stdout + uninstalled.stderr).toContain(`${fullname}-tls`);
    expect(kubectl(['get', 'deployment', '-n', namespace, fullname]).status).not.toBe(0);
    expect((await secret()).data).toEqual(data);

    // ... and a reinstall of the same release adopts it, certificates included.
    const reinstalled = helmWithCluster(['install', RELEASE, CHART_DIR, '--namespace', namespace, ...values]);
    expect(reinstalled.status, reinstalled.stderr).toBe(0);
    expect((await secret()).data).toEqual(data);
  }, 120_000);
});

/**
 * The chart's RBAC, applied for real, with the operator running under its ServiceAccount behind a
 * proxy that records every API call: reconcile, events, the Lease, the certificate Secret and
 * caBundle, the webhook called by the API server, and reservations (TokenReview,
 * SubjectAccessReview, the reservation patch, release). The last tests check that every call was
 * allowed, that each one is in OPERATOR_PERMISSIONS, and that each row of that table was used.
 */
describe("the operator under the chart's RBAC", () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let releaseNamespace: string;
  let poolNamespace: string;
  let fullname: string;
  let names: OwnNames;
  let rendered: KubeObject[] = [];
  let rbacObjects: KubeObject[] = [];
  let webhookConfiguration: KubeObject | undefined;
  let kubeconfigPath: string;
  let proxy: RecordingProxy | undefined;
  let operator: OperatorProcess | undefined;
  let webhookPort: number;
  /** Set when the operator could not fill the chart's Opaque Secret and the test swapped in a kubernetes.io/tls one. */
  let userToken: string;
  let ca: string;

  const ready = async (): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace: poolNamespace, labelSelector: `${POOL_LABEL}=rbac,${STATE_LABEL}=ready` })).items.filter(
      (pod) =>
        pod.metadata?.deletionTimestamp === undefined && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );

  const reservations = (path = ''): string => `/api/v1/namespaces/${poolNamespace}/podpools/rbac/reservations${path}`;
  const call = (method: string, path: string, body?: unknown) =>
    callReservations({ port: operator?.reservationsPort, ca }, method, path, userToken, body);

  const calls = (): ApiCall[] => proxy?.calls ?? [];
  const matches = (p: Permission, c: ApiCall): boolean =>
    p.group === c.group &&
    p.resource === c.resource &&
    p.verb === c.verb &&
    (p.scope === 'cluster' || c.namespace === releaseNamespace) &&
    (p.name === undefined || c.name === names[p.name]);

  /** Flags `podpool operator --help` lists. */
  const supportedFlags = (): Set<string> => {
    const result = spawnSync(join(process.cwd(), 'node_modules/.bin/node'), ['--import', 'tsx', 'src/cli/main.ts', 'operator', '--help'], {
      encoding: 'utf8',
    });
    return new Set([...result.stdout.matchAll(/--([a-z][a-z-]*)/g)].map((match) => match[1] ?? ''));
  };

  beforeAll(async () => {
    kc = adminKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrd(kc);
    releaseNamespace = await createNamespace(kc, 'helm-rbac');
    poolNamespace = await createNamespace(kc, 'helm-pools');
    // Cluster-scoped names (ClusterRole, webhook configuration) must not collide across runs on one API server.
    fullname = `podpool-${releaseNamespace.slice(-6)}`;
    names = { lease: 'podpool-controller', tlsSecret: `${fullname}-tls`, webhookConfiguration: fullname };
    ({ objects: rendered } = renderChart({
      release: RELEASE,
      namespace: releaseNamespace,
      kubeVersion: serverKubeVersion(),
      values: { fullnameOverride: fullname },
    }));
    rbacObjects = rendered.filter((object) =>
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(object.kind),
    );
    // The operator's objects as the chart makes them: its RBAC, the empty TLS Secret.
    const applied = kubectl(['apply', '-f', '-'], { input: toYamlStream([...rbacObjects, find(rendered, 'Secret', names.tlsSecret)]) });
    if (applied.status !== 0) throw new Error(`applying the chart's RBAC and Secret failed: ${applied.stderr}`);

    // The chart's webhook configuration, pointed at this test's operator on loopback (the chart's
    // Service has no pods here) and limited to the pool namespace.
    webhookPort = await freePort();
    webhookConfiguration = structuredClone(find(rendered, 'MutatingWebhookConfiguration'));
    for (const webhook of (webhookConfiguration as unknown as { webhooks: Record<string, unknown>[] }).webhooks) {
      webhook.clientConfig = { url: `https://127.0.0.1:${webhookPort}/mutate-v1-pod` };
      webhook.namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': poolNamespace } };
    }
    const created = kubectl(['apply', '-f', '-'], { input: toYamlStream([webhookConfiguration]) });
    if (created.status !== 0) throw new Error(`applying the webhook configuration failed: ${created.stderr}`);

    // The operator gets the Deployment's own flags; this harness provides the namespace, identity,
    // bind address and free local ports. A flag the operator does not know would crash the real pod.
    const known = supportedFlags();
    const provided = new Set(['namespace', 'identity', 'bind-address', 'metrics-port', 'scaler-port', 'webhook-port', 'reservations-port']);
    const extraArgs: string[] = [`--webhook-port=${webhookPort}`];
    for (const arg of operatorContainer(rendered).args.slice(1)) {
      const [, flag = ''] = /^--([a-z-]+)=/.exec(arg) ?? [];
      if (!known.has(flag)) throw new Error(`the chart passes ${arg}, which podpool operator does not accept`);
      if (!provided.has(flag)) extraArgs.push(arg);
    }

    // Through the proxy, as the chart's ServiceAccount.
    const { token, path } = await serviceAccountKubeconfig(kc, releaseNamespace, fullname);
    kubeconfigPath = path;
    proxy = await startRecordingProxy(kc);
    const proxiedKubeconfig = join(mkdtempSync(join(tmpdir(), 'podpool-helm-rbac-')), 'operator.kubeconfig');
    writeFileSync(proxiedKubeconfig, kubeconfigYaml(proxy.url, proxy.caPem, { token }, 'chart-rbac'), { mode: 0o600 });
    /** Starts the operator and waits past its certificate step ("operator started"); the log if it exited first. */
    const start = async (): Promise<{ running: OperatorProcess } | { exitedLog: string }> => {
      let op: OperatorProcess;
      try {
        op = await startOperatorProcess({
          leaseNamespace: releaseNamespace,
          identity: 'helm-rbac',
          kubeconfigPath: proxiedKubeconfig,
          extraArgs,
        });
      } catch (error) {
        const logFile = /log: (\S+)/.exec(String(error))?.[1];
        if (logFile === undefined) throw error;
        return { exitedLog: readFileSync(logFile, 'utf8') };
      }
      // A failed start prints `podpool operator: <error>` (and may leave the process running on
      // its open servers, so it is stopped here).
      const started = await eventually(
        'the operator to start (or fail)',
        async () => {
          const log = readFileSync(op.logFile, 'utf8');
          if (op.child.exitCode !== null || op.child.signalCode !== null || /^podpool operator: /m.test(log)) return 'failed';
          return log.includes('"msg":"operator started"') ? 'started' : undefined;
        },
        30_000,
      );
      if (started === 'started') return { running: op };
      await op.kill();
      return { exitedLog: readFileSync(op.logFile, 'utf8') };
    };
    const first = await start();
    if ('exitedLog' in first) throw new Error(`the operator exited under the chart's RBAC:\n${first.exitedLog}`);
    operator = first.running;

    // A caller of the reservation API, bound to the chart's reservations-user ClusterRole.
    const binding = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reserve, namespace: ${poolNamespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${fullname}-reservations-user}
subjects: [{kind: ServiceAccount, name: frontend, namespace: ${poolNamespace}}]
`;
    expect(kubectl(['apply', '-f', '-'], { input: binding }).status).toBe(0);
    userToken = (await serviceAccountKubeconfig(kc, poolNamespace, 'frontend')).token;
    const tlsSecret = await core.readNamespacedSecret({ name: names.tlsSecret, namespace: releaseNamespace });
    ca = Buffer.from(tlsSecret.data?.['ca-bundle.crt'] ?? '', 'base64').toString();
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
    proxy?.close();
    const clusterScoped = [
      ...rbacObjects.filter((object) => object.kind.startsWith('Cluster')),
      ...(webhookConfiguration ? [webhookConfiguration] : []),
    ];
    if (clusterScoped.length > 0)
      kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: toYamlStream(clusterScoped) });
  });

  it('fills the TLS Secret and trusts its CA in the webhook configuration', async () => {
    const secret = await core.readNamespacedSecret({ name: names.tlsSecret, namespace: releaseNamespace });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca-bundle.crt', 'ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    const configuration = kubectl(['get', 'mutatingwebhookconfiguration', fullname, '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']);
    expect(configuration.stdout).toBe(secret.data?.['ca-bundle.crt']);
  });

  it("fills the chart's Opaque Secret in place, keeping its type and Helm's metadata", async () => {
    const secret = await core.readNamespacedSecret({ name: names.tlsSecret, namespace: releaseNamespace });
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata?.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(secret.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
  });

  it('reconciles a PodPool in another namespace to Ready pods, with status, events and the Lease', async () => {
    await custom.createNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      plural: PLURAL,
      namespace: poolNamespace,
      body: {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: 'PodPool',
        metadata: { name: 'rbac' },
        spec: {
          targetReadyPods: 3,
          maxPoolSize: 10,
          warmupSeconds: 5,
          scaleDownStabilizationSeconds: 0,
          podTemplate: { spec: { containers: [{ name: 'c', image: 'busybox' }] } },
        },
      },
    });
    await eventually('3 Ready pods labelled ready', async () => (await ready()).length === 3, 45_000);
    await eventually('status.readyPods = 3', async () => {
      const pool = (await custom.getNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        plural: PLURAL,
        namespace: poolNamespace,
        name: 'rbac',
      })) as PodPool;
      return pool.status?.readyPods === 3;
    });
    await eventually('a ScaledUp event', async () => {
      const events = await core.listNamespacedEvent({ namespace: poolNamespace, fieldSelector: 'involvedObject.name=rbac' });
      return events.items.some((event) => event.reason === 'ScaledUp');
    });
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: releaseNamespace, name: 'podpool-controller' });
    expect(lease.spec?.holderIdentity).toBe('helm-rbac');
  }, 90_000);

  it('bumps a repeated event with a patch', async () => {
    // Each lost pod is replaced with the same ScaledUp message ("created 1 pods: ..."): the second
    // time, the recorder patches the count of the first event.
    const patched = (): boolean => calls().some((c) => c.resource === 'events' && c.verb === 'patch' && c.status < 300);
    for (let attempt = 1; attempt <= 5 && !patched(); attempt += 1) {
      const [victim] = await ready();
      await core.deleteNamespacedPod({ namespace: poolNamespace, name: victim?.metadata?.name ?? '', gracePeriodSeconds: 0 });
      await eventually(
        'the pool to refill',
        async () => {
          const pods = await ready();
          return pods.length === 3 && !pods.some((pod) => pod.metadata?.uid === victim?.metadata?.uid);
        },
        30_000,
      );
      await eventually('the repeated event to be patched', async () => patched(), 5_000).catch(() => undefined);
    }
    const events = await core.listNamespacedEvent({ namespace: poolNamespace, fieldSelector: 'involvedObject.name=rbac,reason=ScaledUp' });
    expect(patched(), `no event was patched; ScaledUp events: ${JSON.stringify(events.items.map((e) => [e.count, e.message]))}`).toBe(true);
    expect(events.items.some((event) => (event.count ?? 0) >= 2)).toBe(true);
  }, 120_000);

  it('stamps pool pods and denies a pod naming an unknown pool, called by the API server', async () => {
    const stamped = await core.createNamespacedPod({
      namespace: poolNamespace,
      body: { metadata: { name: 'by-hand', labels: { [POOL_LABEL]: 'rbac' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    });
    expect(stamped.metadata?.labels?.[STATE_LABEL]).toBe('warming');
    // The cache does not know `nope`: the webhook asks the API server (get podpools) before denying.
    await expect(
      core.createNamespacedPod({
        namespace: poolNamespace,
        body: { metadata: { name: 'typo', labels: { [POOL_LABEL]: 'nope' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      }),
    ).rejects.toMatchObject({ code: 403 });
    expect(calls().some((c) => c.resource === 'podpools' && c.verb === 'get' && c.name === 'nope' && c.status === 404)).toBe(true);
  });

  it('reserves, lists and releases through the reservation API (TokenReview, SubjectAccessReview, pod patch, get and delete)', async () => {
    await eventually('3 ready pods', async () => (await ready()).length >= 3, 30_000);
    const reserved = await call('POST', reservations(), { user: 'alice' });
    expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);
    const pod = reserved.body.pod as string;
    expect((await core.readNamespacedPod({ namespace: poolNamespace, name: pod })).metadata?.labels?.[STATE_LABEL]).toBe('reserved');
    await eventually('the reservation in the list', async () => {
      const listed = await call('GET', reservations());
      return listed.status === 200 && (listed.body.items as { pod: string }[]).some((item) => item.pod === pod);
    });
    // A ready pod is no reservation: the operator re-reads it from the API server (get pods) to be sure.
    const [unreserved] = await ready();
    const notReserved = await call('DELETE', reservations(`/${unreserved?.metadata?.name ?? ''}`));
    expect(notReserved.status, JSON.stringify(notReserved.body)).toBe(404);
    const released = await call('DELETE', reservations(`/${pod}`));
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    await eventually('the released pod to go', async () => {
      try {
        return (await core.readNamespacedPod({ namespace: poolNamespace, name: pod })).metadata?.deletionTimestamp !== undefined;
      } catch (error) {
        return (error as { code?: number }).code === 404;
      }
    });
    const log = readFileSync(operator?.logFile ?? '', 'utf8');
    expect(log, `the operator was refused something (log: ${operator?.logFile})`).not.toMatch(/forbidden|"code":403|HTTP-Code: 403/i);
  }, 60_000);

  it("binds a PodPoolClaim a namespace editor creates (the chart's claims role, aggregated to edit), and deleting the claim deletes its pod", async () => {
    const binding = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: editor, namespace: ${poolNamespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: editor, namespace: ${poolNamespace}}]
`;
    expect(kubectl(['apply', '-f', '-'], { input: binding }).status).toBe(0);
    const editor = await serviceAccountKubeconfig(kc, poolNamespace, 'editor');
    const frontend = await serviceAccountKubeconfig(kc, poolNamespace, 'frontend');
    const createClaims = ['create', `${CLAIM_PLURAL}.${API_GROUP}`, '-n', poolNamespace];
    await eventually('edit to include the claims role', async () => canI(editor.path, createClaims), 20_000);
    // Reserving through the API is not claiming: the reservations-user role grants no claims.
    expect(canI(frontend.path, createClaims)).toBe(false);

    await eventually('a ready pod', async () => (await ready()).length >= 1, 30_000);
    const claim = `apiVersion: ${API_GROUP}/${API_VERSION}\nkind: PodPoolClaim\nmetadata: {name: by-editor, namespace: ${poolNamespace}}\nspec: {poolName: rbac}\n`;
    const applied = kubectl(['apply', '-f', '-'], { input: claim, kubeconfigPath: editor.path });
    expect(applied.status, applied.stderr).toBe(0);
    const claimRef = { group: API_GROUP, version: API_VERSION, plural: CLAIM_PLURAL, namespace: poolNamespace, name: 'by-editor' };
    const bound = await eventually(
      'the claim to be Bound',
      async () => {
        const current = (await custom.getNamespacedCustomObject(claimRef)) as PodPoolClaim;
        return current.status?.phase === 'Bound' ? current : undefined;
      },
      30_000,
    );
    const podName = bound.status?.podName ?? '';
    const pod = await core.readNamespacedPod({ namespace: poolNamespace, name: podName });
    expect(pod.metadata?.ownerReferences?.map((owner) => owner.uid)).toEqual([bound.metadata.uid]);
    expect(
      kubectl(['delete', `${CLAIM_PLURAL}.${API_GROUP}`, 'by-editor', '-n', poolNamespace], { kubeconfigPath: editor.path }).status,
    ).toBe(0);
    await eventually(
      'the claimed pod to go',
      async () => {
        try {
          return (await core.readNamespacedPod({ namespace: poolNamespace, name: podName })).metadata?.deletionTimestamp !== undefined;
        } catch (error) {
          return (error as { code?: number }).code === 404;
        }
      },
      30_000,
    );
  }, 120_000);

  it('made only calls the chart allows, each listed in OPERATOR_PERMISSIONS, and used every row', async () => {
    // Let the Lease renew at least once more, so `update` is seen however fast the steps above ran.
    const renewed = calls().filter((c) => c.resource === 'leases' && c.verb === 'update').length;
    await eventually(
      'a Lease renewal',
      async () => calls().filter((c) => c.resource === 'leases' && c.verb === 'update').length > renewed,
      20_000,
    );
    const seen = calls();
    const refused = seen.filter((c) => c.status === 401 || c.status === 403);
    expect(refused, 'calls the API server refused under the chart RBAC').toEqual([]);
    const unlisted = seen.filter((c) => !OPERATOR_PERMISSIONS.some((p) => matches(p, c)));
    expect(unlisted, 'calls the operator made that OPERATOR_PERMISSIONS does not list').toEqual([]);
    expect(proxy?.nonResource, 'non-resource requests').toEqual([]);
    const unused = OPERATOR_PERMISSIONS.filter((p) => !seen.some((c) => matches(p, c))).map((p) =>
      permissionKey(p.scope, p.group, p.resource, p.verb, p.name),
    );
    expect(unused, 'rows of OPERATOR_PERMISSIONS this test never saw used').toEqual([]);
    // And the chart grants exactly the table.
    expect(grantedPermissionKeys(rendered, fullname)).toEqual(expectedPermissionKeys(names, { certManager: false }));
  }, 30_000);

  it('holds exactly the table, as the API server sees it (kubectl auth can-i --list)', () => {
    expect(mergeCanI(canIList(kubeconfigPath, poolNamespace))).toEqual(expectedCanIList(names, false));
    expect(mergeCanI(canIList(kubeconfigPath, releaseNamespace))).toEqual(expectedCanIList(names, true));
  });

  it('cannot create or read other Secrets, nor change or delete PodPools', () => {
    const can = (...args: string[]): boolean => canI(kubeconfigPath, args);
    expect(can('get', 'secrets', '--all-namespaces')).toBe(false);
    expect(can('list', 'secrets', '-n', poolNamespace)).toBe(false);
    expect(can('list', 'secrets', '-n', releaseNamespace)).toBe(false);
    expect(can('create', 'secrets', '-n', releaseNamespace)).toBe(false);
    expect(can('get', 'secrets/some-other-secret', '-n', releaseNamespace)).toBe(false);
    expect(can('get', `secrets/${names.tlsSecret}`, '-n', releaseNamespace)).toBe(true);
    expect(can('delete', `secrets/${names.tlsSecret}`, '-n', releaseNamespace)).toBe(false);
    expect(can('delete', 'podpools.podpool.dev', '--all-namespaces')).toBe(false);
    expect(can('update', 'podpools.podpool.dev', '--all-namespaces')).toBe(false);
    expect(can('create', 'podpools.podpool.dev', '-n', poolNamespace)).toBe(false);
    expect(can('update', 'podpools.podpool.dev', '--subresource=scale', '--all-namespaces')).toBe(false);
    expect(can('update', 'podpools.podpool.dev', '--subresource=status', '--all-namespaces')).toBe(false);
    expect(can('update', 'leases.coordination.k8s.io/someone-else', '-n', releaseNamespace)).toBe(false);
    expect(can('create', 'leases.coordination.k8s.io', '-n', poolNamespace)).toBe(false);
    expect(can('patch', 'mutatingwebhookconfigurations/another-webhook')).toBe(false);
    expect(can('update', `mutatingwebhookconfigurations/${fullname}`)).toBe(false);
    expect(can('patch', 'pods', '-n', poolNamespace)).toBe(true);
  });
});
