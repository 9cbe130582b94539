/** The controller's writes to the API server, each guarded by the resourceVersion it was computed from. */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, PLURAL } from '../api/labels.js';
import type { PodPool, PodPoolStatus } from '../api/schema.js';
import { apiStatus } from '../kube/api-status.js';
import type { PodDeleteOutcome, PodVersion, PodWriter, StatusWriter } from './ports.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class KubePoolWriter implements PodWriter, StatusWriter {
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

  async deletePod(namespace: string, name: string, { uid, resourceVersion }: PodVersion): Promise<PodDeleteOutcome> {
    try {
      await this.core.deleteNamespacedPod({ name, namespace, body: { preconditions: { uid, resourceVersion } } });
      return 'deleted';
    } catch (error) {
      if (apiStatus(error) === 404) return 'gone';
      if (apiStatus(error) === 409) return 'changed';
      throw error;
    }
  }

  async patchPodMetadata(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    metadata: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.core.patchNamespacedPod({ name, namespace, body: { metadata: { ...metadata, resourceVersion } } }, mergePatch);
      return true;
    } catch (error) {
      if (apiStatus(error) === 409 || apiStatus(error) === 404) return false;
      throw error;
    }
  }

  /** Through the /status subresource; a 409 (the pool changed since the cache showed it) rejects, and the reconcile runs again. */
  async writeStatus(pool: PodPool, status: PodPoolStatus): Promise<'written' | 'gone'> {
    try {
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
      return 'written';
    } catch (error) {
      if (apiStatus(error) === 404) return 'gone';
      throw error;
    }
  }
}
