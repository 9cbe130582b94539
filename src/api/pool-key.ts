/**
 * The one key of a pool, "namespace/name", in every map, queue and change event: the informer
 * cache emits it, the controller's work queue holds it, the scaler, the webhook and the
 * reservation API index by it. Branded, so a pod's "namespace/name" is never taken for one.
 */
export type PoolKey = string & { readonly __brand: 'PoolKey' };

export function poolKey(namespace: string, name: string): PoolKey {
  return `${namespace}/${name}` as PoolKey;
}

/** Namespaces hold no '/', so the first one splits the key (a pool name never holds one either). */
export function parsePoolKey(key: PoolKey): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
