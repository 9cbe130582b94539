/** The controller's writes to the API server, each guarded by the resourceVersion it was computed from. */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, PLURAL } from '../api/labels.js';
import { apiStatus } from '../kube/api-status.js';
import type { PodPool, PodPoolStatus } from '../api/schema.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class PoolWriter {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async createPod(namespace: string, pod: V1Pod): Promise<string> {
    const created = await this.core.createNamespacedPod({ namespace, body: pod });
    return created.metadata?.name ?? '';
  }

  /** Deletes a pod only if it is still exactly what we saw: a pod reserved meanwhile is left alone (409). */
  async deletePod(namespace: string, name: string, uid: string | undefined, resourceVersion: string | undefined): Promise<'deleted' | 'gone' | 'changed'> {
    try {
      await this.core.deleteNamespacedPod({ name, namespace, body: { preconditions: { uid, resourceVersion } } });
      return 'deleted';
    } catch (error) {
      if (apiStatus(error) === 404) return 'gone';
      if (apiStatus(error) === 409) return 'changed';
      throw error;
    }
  }

  /** Merge-patches pod metadata under a resourceVersion guard; false when the pod changed meanwhile. */
  async patchPodMetadata(namespace: string, name: string, resourceVersion: string | undefined, metadata: Record<string, unknown>): Promise<boolean> {
    try {
      await this.core.patchNamespacedPod({ name, namespace, body: { metadata: { ...metadata, resourceVersion } } }, mergePatch);
      return true;
    } catch (error) {
      if (apiStatus(error) === 409 || apiStatus(error) === 404) return false;
      throw error;
    }
  }

  /** Writes status through the /status subresource, guarded by the pool's resourceVersion. */
  async writeStatus(pool: PodPool, status: PodPoolStatus): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: API_GROUP,
        version: API_VERSION,
        plural: PLURAL,
        namespace: pool.metadata.namespace ?? '',
        name: pool.metadata.name ?? '',
        body: { metadata: { resourceVersion: pool.metadata.resourceVersion }, status },
      },
      mergePatch,
    );
  }
}
