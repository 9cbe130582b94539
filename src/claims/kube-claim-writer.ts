/**
 * The claim controller's calls on PodPoolClaims: a status write (a merge patch of /status guarded
 * by the resourceVersion it was computed from) and a read, to be sure a claim is gone.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { CLAIM_PLURAL, type PodPoolClaim, type PodPoolClaimStatus } from '../api/claim-schema.js';
import { API_GROUP, API_VERSION } from '../api/labels.js';
import { apiStatus } from '../kube/api-status.js';

export interface ClaimStatusWriter {
  /** 'gone' when the claim was deleted; throws on a conflict (409) or any other failure. */
  writeStatus(claim: PodPoolClaim, status: PodPoolClaimStatus): Promise<'written' | 'gone'>;
}

type ClaimApi = Pick<CustomObjectsApi, 'patchNamespacedCustomObjectStatus' | 'getNamespacedCustomObject'>;

export class KubeClaimStatusWriter implements ClaimStatusWriter {
  constructor(private readonly api: ClaimApi) {}

  static fromKubeConfig(kubeConfig: KubeConfig): KubeClaimStatusWriter {
    return new KubeClaimStatusWriter(kubeConfig.makeApiClient(CustomObjectsApi));
  }

  async readClaim(namespace: string, name: string): Promise<PodPoolClaim | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        plural: CLAIM_PLURAL,
        namespace,
        name,
      })) as PodPoolClaim;
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async writeStatus(claim: PodPoolClaim, status: PodPoolClaimStatus): Promise<'written' | 'gone'> {
    // Keys the new status leaves out are cleared (a merge patch would otherwise keep them).
    const cleared = Object.fromEntries(
      Object.keys(claim.status ?? {})
        .filter((key) => !(key in status))
        .map((key) => [key, null]),
    );
    try {
      await this.api.patchNamespacedCustomObjectStatus(
        {
          group: API_GROUP,
          version: API_VERSION,
          plural: CLAIM_PLURAL,
          namespace: claim.metadata.namespace ?? '',
          name: claim.metadata.name ?? '',
          body: { metadata: { resourceVersion: claim.metadata.resourceVersion }, status: { ...cleared, ...status } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return 'written';
    } catch (error) {
      if (apiStatus(error) === 404) return 'gone';
      throw error;
    }
  }
}
