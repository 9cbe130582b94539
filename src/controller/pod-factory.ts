/** Builds a pool pod from spec.podTemplate: pool labels, template hash, and an owner reference to the pool. */
import type { V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import { API_GROUP_VERSION, KIND, POOL_LABEL, STATE_LABEL, TEMPLATE_HASH_LABEL } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';

/** The pool as controller owner: deleting the pool garbage-collects its (unreserved) pods. */
export function poolOwnerReference(pool: PodPool): V1OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: KIND,
    name: pool.metadata.name ?? '',
    uid: pool.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function podForPool(pool: PodPool, hash: string): V1Pod {
  const name = pool.metadata.name ?? '';
  const template = pool.spec.podTemplate;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: pool.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [POOL_LABEL]: name, [STATE_LABEL]: 'warming', [TEMPLATE_HASH_LABEL]: hash },
      annotations: { ...(template.metadata?.annotations ?? {}) },
      ownerReferences: [poolOwnerReference(pool)],
    },
    spec: structuredClone(template.spec ?? {}) as unknown as V1Pod['spec'],
  };
}
