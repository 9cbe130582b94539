/** PodPoolClaims for integration tests: create, read, wait for a phase. */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { CLAIM_KIND, CLAIM_PLURAL, type ClaimPhase, type PodPoolClaim, type PodPoolClaimSpec } from '../../../src/api/claim-schema.js';
import { API_GROUP, API_VERSION } from '../../../src/api/labels.js';
import { DEFAULT_WAIT_MS, eventually } from './cluster.js';

export function claimsApi(kc: KubeConfig) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const ref = { group: API_GROUP, version: API_VERSION, plural: CLAIM_PLURAL };
  return {
    create: async (namespace: string, name: string, spec: PodPoolClaimSpec): Promise<PodPoolClaim> =>
      (await custom.createNamespacedCustomObject({
        ...ref,
        namespace,
        body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: CLAIM_KIND, metadata: { name }, spec },
      })) as PodPoolClaim,
    get: async (namespace: string, name: string): Promise<PodPoolClaim> =>
      (await custom.getNamespacedCustomObject({ ...ref, namespace, name })) as PodPoolClaim,
    list: async (namespace: string): Promise<PodPoolClaim[]> =>
      ((await custom.listNamespacedCustomObject({ ...ref, namespace })) as { items: PodPoolClaim[] }).items,
    delete: async (namespace: string, name: string): Promise<void> => {
      await custom.deleteNamespacedCustomObject({ ...ref, namespace, name });
    },
    /** Waits until the claim reports `phase`; returns it as it was then. */
    waitForPhase: async (namespace: string, name: string, phase: ClaimPhase, timeoutMs = DEFAULT_WAIT_MS): Promise<PodPoolClaim> =>
      eventually(
        `claim ${namespace}/${name} to be ${phase}`,
        async () => {
          const claim = (await custom.getNamespacedCustomObject({ ...ref, namespace, name })) as PodPoolClaim;
          return claim.status?.phase === phase ? claim : undefined;
        },
        timeoutMs,
      ),
  };
}
