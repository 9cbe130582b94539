/** Helpers for the Helm chart tests: the locally built helm binary, rendering, and RBAC listings. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kubectl } from './cluster.js';

export const CHART_DIR = 'charts/podpool';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): CommandResult {
  const result = spawnSync(join(inject('binDir'), 'helm'), args, {
    encoding: 'utf8',
    // Keep helm away from the user's own config, cache and repositories.
    env: {
      ...process.env,
      HELM_CACHE_HOME: '/tmp/podpool-helm/cache',
      HELM_CONFIG_HOME: '/tmp/podpool-helm/config',
      HELM_DATA_HOME: '/tmp/podpool-helm/data',
    },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The API server's version (e.g. v1.36.5), so rendering checks the chart against the very server it is applied to. */
export function serverKubeVersion(): string {
  const result = kubectl(['version', '-o', 'json']);
  if (result.status !== 0) throw new Error(`kubectl version failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** `helm template`; values are passed with --set-json so types survive. Throws with helm's stderr on failure. */
export function renderChart(options: {
  release: string;
  namespace: string;
  kubeVersion: string;
  values?: Record<string, unknown>;
  extraArgs?: string[];
}): {
  yaml: string;
  objects: KubeObject[];
} {
  const result = helm(templateArgs(options));
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return { yaml: result.stdout, objects: parseObjects(result.stdout) };
}

export function templateArgs(options: {
  release: string;
  namespace: string;
  kubeVersion: string;
  values?: Record<string, unknown>;
  extraArgs?: string[];
}): string[] {
  const set = Object.entries(options.values ?? {}).flatMap(([key, value]) => ['--set-json', `${key}=${JSON.stringify(value)}`]);
  return [
    'template',
    options.release,
    CHART_DIR,
    '--namespace',
    options.namespace,
    '--kube-version',
    options.kubeVersion,
    ...set,
    ...(options.extraArgs ?? []),
  ];
}

export function parseObjects(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null && typeof object === 'object' && 'kind' in object);
}

export function toYamlStream(objects: KubeObject[]): string {
  // JSON is YAML; one document per object keeps kubectl's error messages pointing at the object.
  return objects.map((object) => JSON.stringify(object)).join('\n---\n');
}

/** Every apiVersion/kind the API server serves, e.g. "apps/v1/Deployment". */
export function servedKinds(): Set<string> {
  const result = kubectl(['api-resources', '--no-headers']);
  if (result.status !== 0) throw new Error(`kubectl api-resources failed: ${result.stderr}`);
  const kinds = new Set<string>();
  for (const line of result.stdout.split('\n')) {
    // NAME [SHORTNAMES] APIVERSION NAMESPACED KIND: SHORTNAMES may be empty, NAMESPACED anchors the row.
    const tokens = line.trim().split(/\s+/);
    const at = tokens.findIndex((token) => token === 'true' || token === 'false');
    if (at > 0 && at + 1 < tokens.length) kinds.add(`${tokens[at - 1]}/${tokens[at + 1]}`);
  }
  return kinds;
}

export interface RbacRule {
  resource: string;
  resourceNames: string[];
  verbs: string[];
}

/**
 * The resource rules `kubectl auth can-i --list` reports for the kubeconfig's user in a namespace,
 * without the self-review rules every authenticated user has (system:basic-user).
 */
export function canIList(kubeconfigPath: string, namespace: string): RbacRule[] {
  const result = kubectl(['auth', 'can-i', '--list', '-n', namespace, '--no-headers'], { kubeconfigPath });
  if (result.status !== 0) throw new Error(`kubectl auth can-i --list failed: ${result.stderr}`);
  const rules: RbacRule[] = [];
  for (const line of result.stdout.split('\n')) {
    // RESOURCES  NON-RESOURCE-URLS  RESOURCE-NAMES  VERBS, the last three as [a b c].
    const match = /^(\S+)\s+\[([^\]]*)\]\s+\[([^\]]*)\]\s+\[([^\]]*)\]\s*$/.exec(line);
    if (!match) continue;
    const [, resource = '', , names = '', verbs = ''] = match;
    if (resource.startsWith('selfsubject')) continue;
    rules.push({ resource, resourceNames: names.split(' ').filter(Boolean).sort(), verbs: verbs.split(' ').filter(Boolean).sort() });
  }
  return rules.sort((a, b) => `${a.resource}|${a.resourceNames.join(',')}`.localeCompare(`${b.resource}|${b.resourceNames.join(',')}`));
}

export function canI(kubeconfigPath: string, args: string[]): boolean {
  const result = kubectl(['auth', 'can-i', ...args], { kubeconfigPath });
  if (result.status !== 0 && result.stdout.trim() !== 'no')
    throw new Error(`kubectl auth can-i ${args.join(' ')} failed: ${result.stderr}`);
  return result.status === 0 && result.stdout.trim() === 'yes';
}
