/**
 * Adds to a PodPool's status.unmetReservations with a read and a resourceVersion-guarded merge
 * patch of /status, retried on conflict: replicas and the controller may write status at once.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, PLURAL } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';
import { apiStatus } from '../kube/api-status.js';
import { PodpoolError } from '../errors.js';
import type { UnmetDemandWriter } from './unmet-demand.js';

const MAX_CONFLICTS = 10;

type PoolApi = Pick<CustomObjectsApi, 'getNamespacedCustomObject' | 'patchNamespacedCustomObjectStatus'>;

export class KubeUnmetDemandWriter implements UnmetDemandWriter {
  constructor(private readonly api: PoolApi) {}

  static fromKubeConfig(kubeConfig: KubeConfig): KubeUnmetDemandWriter {
    return new KubeUnmetDemandWriter(kubeConfig.makeApiClient(CustomObjectsApi));
  }

  async add(namespace: string, pool: string, count: number): Promise<'added' | 'gone'> {
    const target = { group: API_GROUP, version: API_VERSION, plural: PLURAL, namespace, name: pool };
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      let current: PodPool;
      try {
        current = (await this.api.getNamespacedCustomObject(target)) as PodPool;
      } catch (error) {
        if (apiStatus(error) === 404) return 'gone';
        throw error;
      }
      const body = {
        metadata: { resourceVersion: current.metadata.resourceVersion },
        status: { unmetReservations: (current.status?.unmetReservations ?? 0) + count },
      };
      try {
        await this.api.patchNamespacedCustomObjectStatus({ ...target, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
        return 'added';
      } catch (error) {
        const status = apiStatus(error);
        if (status === 404) return 'gone';
        if (status !== 409) throw error;
      }
    }
    throw new PodpoolError('Conflict', `status of podpool ${namespace}/${pool} kept changing (${MAX_CONFLICTS} conflicts)`);
  }
}
