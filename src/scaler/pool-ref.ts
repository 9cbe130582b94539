/**
 * The edge of the scaler: which PodPool a KEDA trigger (or an HTTP path) names, validated into a
 * typed reference before anything reads the cache. Errors name the trigger key that is wrong.
 */
import { isValidObjectName } from '../api/object-names.js';
import { PodpoolError } from '../errors.js';

/** Trigger metadata key naming the PodPool. */
export const POOL_NAME_KEY = 'podPoolName';
/** Optional trigger metadata key; defaults to the ScaledObject's namespace. */
export const POOL_NAMESPACE_KEY = 'podPoolNamespace';

/** KEDA's ScaledObjectRef as the proto decodes it (every field may be absent on the wire). */
export interface ScaledObjectRef {
  name?: string | null;
  namespace?: string | null;
  scalerMetadata?: Record<string, string> | null;
}

export interface PoolRef {
  namespace: string;
  name: string;
}

function validated(namespace: string, name: string, keys: { namespace: string; name: string }): PoolRef {
  if (!isValidObjectName(name, 'pool'))
    throw new PodpoolError('InvalidArgument', `${keys.name} ${JSON.stringify(name)} is not a valid PodPool name`);
  if (!isValidObjectName(namespace, 'namespace'))
    throw new PodpoolError('InvalidArgument', `${keys.namespace} ${JSON.stringify(namespace)} is not a valid namespace name`);
  return { namespace, name };
}

export function poolRefFromScaledObject(ref: ScaledObjectRef | null | undefined): PoolRef {
  const metadata = ref?.scalerMetadata ?? {};
  const name = metadata[POOL_NAME_KEY];
  if (name === undefined || name === '') {
    throw new PodpoolError('InvalidArgument', `trigger metadata key ${POOL_NAME_KEY} is required (the PodPool to scale)`);
  }
  const namespace = metadata[POOL_NAMESPACE_KEY] || ref?.namespace || '';
  if (namespace === '') {
    throw new PodpoolError(
      'InvalidArgument',
      `trigger metadata key ${POOL_NAMESPACE_KEY} is required when the ScaledObject's namespace is not sent`,
    );
  }
  const keys = { namespace: `trigger metadata ${POOL_NAMESPACE_KEY}`, name: `trigger metadata ${POOL_NAME_KEY}` };
  return validated(namespace, name, keys);
}

export function poolRefFromPath(namespace: string, name: string): PoolRef {
  return validated(namespace, name, { namespace: 'namespace', name: 'podpool name' });
}

/** Stable per pool, so the HPA KEDA builds keeps tracking the same external metric. */
export function metricNameFor(ref: PoolRef): string {
  return `podpool-${ref.namespace}-${ref.name}`;
}
