/** Helpers for integration tests: clients for the shared control plane, namespaces, the CRD, RBAC users. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { CLAIM_PLURAL } from '../../../src/api/claim-schema.js';
import { podPoolClaimCrdYaml, podPoolCrdYaml } from '../../../src/api/crd.js';
import { API_GROUP, API_VERSION, PLURAL } from '../../../src/api/labels.js';
import { kubeconfigYaml } from '../../../dev/cluster/control-plane.js';

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfigPath'));
  return kc;
}

export function kubectl(
  args: string[],
  options: { kubeconfigPath?: string; input?: string } = {},
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(
    join(inject('binDir'), 'kubectl'),
    [`--kubeconfig=${options.kubeconfigPath ?? inject('kubeconfigPath')}`, ...args],
    {
      input: options.input,
      encoding: 'utf8',
    },
  );
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** eventually()'s budget when none is given. */
export const DEFAULT_WAIT_MS = 30_000;

/**
 * The timeout of a test whose waits have these budgets: their sum plus room for the calls between
 * them, so a wait that runs out fails with its own message, not with vitest's generic timeout.
 */
export function timeoutAfterWaits(...waitBudgetsMs: number[]): number {
  return waitBudgetsMs.reduce((sum, budget) => sum + budget, 0) + 20_000;
}

export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = DEFAULT_WAIT_MS,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Installs (or updates) the generated CRDs (PodPool, PodPoolClaim) with kubectl server-side apply and waits until they are
 * served. (client-node's typed serializer would drop `default` and `x-kubernetes-*` keys.)
 */
export async function installCrd(kc: KubeConfig): Promise<void> {
  const applied = kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], {
    input: `${podPoolCrdYaml()}---\n${podPoolClaimCrdYaml()}`,
  });
  if (applied.status !== 0) throw new Error(`installing the CRDs failed: ${applied.stderr}`);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await eventually('the PodPool and PodPoolClaim CRDs to be served', async () => {
    await custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: PLURAL });
    await custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: CLAIM_PLURAL });
    return true;
  });
}

/** The namespaces this test file created; cleanup-namespaces.ts deletes them after the file. */
const createdNamespaces = new Set<string>();

export async function createNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  createdNamespaces.add(name);
  return name;
}

/**
 * Deletes the namespaces this file created and waits until their PodPools are gone: the operators
 * of later files watch every namespace and would otherwise reconcile this file's pools. The pods
 * are left to the namespace controller.
 */
export async function deleteCreatedNamespaces(kc: KubeConfig, timeoutMs = 60_000): Promise<void> {
  const names = [...createdNamespaces];
  createdNamespaces.clear();
  if (names.length === 0) return;
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(
    names.map((name) =>
      core
        .deleteNamespace({ name })
        .catch((error: unknown) => ((error as { code?: number }).code === 404 ? undefined : Promise.reject(error))),
    ),
  );
  const custom = kc.makeApiClient(CustomObjectsApi);
  await eventually(
    `the PodPools of namespaces ${names.join(', ')} to be deleted`,
    async () => {
      try {
        const pools = (await custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: PLURAL })) as {
          items: Array<{ metadata: { namespace: string } }>;
        };
        return !pools.items.some((pool) => names.includes(pool.metadata.namespace));
      } catch (error) {
        // No PodPool CRD (a file removed it, or never installed it): no pools either.
        if ((error as { code?: number }).code === 404) return true;
        throw error;
      }
    },
    timeoutMs,
    500,
  );
}

/** A kubeconfig that authenticates as a service account (a bound token), for RBAC tests. */
export async function serviceAccountKubeconfig(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<{ path: string; token: string; kubeConfig: KubeConfig }> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token ?? '';
  const cluster = kc.getCurrentCluster();
  const caPem = Buffer.from(cluster?.caData ?? '', 'base64').toString();
  const path = join(tmpdir(), `podpool-sa-${namespace}-${name}-${randomBytes(3).toString('hex')}.kubeconfig`);
  writeFileSync(path, kubeconfigYaml(cluster?.server ?? '', caPem, { token }, `${namespace}-${name}`), { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return { path, token, kubeConfig };
}

export const TEST_POD_TEMPLATE = { spec: { containers: [{ name: 'c', image: 'busybox' }] } };

/** Creates a PodPool through the API server; `spec` overrides a small valid default. */
export async function createPodPool(kc: KubeConfig, namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    plural: PLURAL,
    namespace,
    body: {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: 'PodPool',
      metadata: { name },
      spec: { maxPoolSize: 50, podTemplate: TEST_POD_TEMPLATE, ...spec },
    },
  });
}
