/** Helpers for the KEDA loop: PodPools, ScaledObjects and the pods they lead to, read from the real API server. */
import { readFileSync } from 'node:fs';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { API_GROUP, API_VERSION, PLURAL, POOL_LABEL, STATE_LABEL } from '../../../src/api/labels.js';
import type { PodPool } from '../../../src/api/schema.js';
import { scaledObjectManifest, UNLIMITED_HPA_BEHAVIOR, type ScaledObjectOptions } from '../../../dev/cluster/scaled-object.js';
import { eventually, kubectl } from '../../integration/support/cluster.js';

const ref = { group: API_GROUP, version: API_VERSION, plural: PLURAL };

/** A ScaledObject with the short settings the tests use (no HPA rate limit or stabilization: the engine stabilizes scale-down). */
export function scaledObjectYaml(
  namespace: string,
  name: string,
  pool: string,
  options: Omit<ScaledObjectOptions, 'behavior'> & { pollingInterval: number },
): string {
  return scaledObjectManifest(namespace, name, pool, { cooldownPeriod: 5, behavior: UNLIMITED_HPA_BEHAVIOR, ...options });
}

export function apply(yaml: string): void {
  const result = kubectl(['apply', '-f', '-'], { input: yaml });
  if (result.status !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}

export class PoolProbe {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async pool(): Promise<PodPool> {
    return (await this.custom.getNamespacedCustomObject({ ...ref, namespace: this.namespace, name: this.name })) as PodPool;
  }

  async specReplicas(): Promise<number | undefined> {
    return (await this.pool()).spec.replicas;
  }

  async pods(): Promise<V1Pod[]> {
    const list = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `${POOL_LABEL}=${this.name}` });
    return list.items.filter((pod) => pod.metadata?.deletionTimestamp === undefined);
  }

  /** Warm (unreserved) pods when exactly `count` of them exist and all are Ready. */
  async readyWarm(count: number): Promise<V1Pod[] | undefined> {
    const warm = (await this.pods()).filter((pod) => pod.metadata?.labels?.[STATE_LABEL] !== 'reserved');
    const ready = warm.filter((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return warm.length === count && ready.length === count ? warm : undefined;
  }

  async patchSpec(patch: Record<string, unknown>): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      { ...ref, namespace: this.namespace, name: this.name, body: { spec: patch } },
      // A merge patch: null removes a field.
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

/** The HPA KEDA made for a ScaledObject, as kubectl shows it. */
export function hpaOf(
  namespace: string,
  scaledObject: string,
): { currentReplicas?: number; desiredReplicas?: number; conditions?: { type: string; status: string; reason: string }[] } | undefined {
  const result = kubectl(['get', 'hpa', `keda-hpa-${scaledObject}`, '-n', namespace, '-o', 'json']);
  if (result.status !== 0) return undefined;
  return (JSON.parse(result.stdout) as { status: Record<string, never> }).status;
}

export function scaledObjectCondition(
  namespace: string,
  name: string,
  type: string,
): { status: string; reason?: string; message?: string } | undefined {
  const result = kubectl(['get', 'scaledobject', name, '-n', namespace, '-o', 'json']);
  if (result.status !== 0) return undefined;
  const conditions = (
    JSON.parse(result.stdout) as { status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }
  ).status?.conditions;
  return conditions?.find((condition) => condition.type === type);
}

/** The tail of KEDA's logs, for a failure message that says what KEDA saw. */
export function kedaLogTail(lines = 40): string {
  return inject('kedaLogs')
    .map((file) => `--- ${file}\n${readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')}`)
    .join('\n');
}

/** `eventually`, whose timeout message ends with the tail of KEDA's logs. */
export async function eventuallyWithKedaLog<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  try {
    return await eventually(what, check, timeoutMs, 250);
  } catch (error) {
    throw new Error(`${String(error)}\n${kedaLogTail()}`, { cause: error });
  }
}
