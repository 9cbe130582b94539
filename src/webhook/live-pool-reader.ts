/**
 * One PodPool read straight from the API server, bounded by a short timeout: the webhook's
 * second opinion before it denies a pod for naming a pool its cache does not hold.
 */
import {
  CustomObjectsApi,
  Observable,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, PLURAL } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';
import { apiStatus } from '../kube/api-status.js';

/** Well inside the API server's 5 s webhook timeout, so an unreachable API server still gets an answer. */
export const LIVE_READ_TIMEOUT_MS = 1_000;

export interface LivePoolReader {
  /** The pool as the API server has it, or undefined when it answers 404; throws when it cannot answer. */
  readPool(namespace: string, name: string): Promise<PodPool | undefined>;
}

type PoolApi = Pick<CustomObjectsApi, 'getNamespacedCustomObject'>;

function withTimeout(timeoutMs: number): ConfigurationOptions {
  const abortAfter: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      return new Observable(Promise.resolve(context));
    },
    post: (context) => new Observable(Promise.resolve(context)),
  };
  return { middleware: [abortAfter], middlewareMergeStrategy: 'append' };
}

export class KubeLivePoolReader implements LivePoolReader {
  constructor(
    private readonly api: PoolApi,
    private readonly timeoutMs = LIVE_READ_TIMEOUT_MS,
  ) {}

  static fromKubeConfig(kubeConfig: KubeConfig, timeoutMs?: number): KubeLivePoolReader {
    return new KubeLivePoolReader(kubeConfig.makeApiClient(CustomObjectsApi), timeoutMs);
  }

  async readPool(namespace: string, name: string): Promise<PodPool | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject(
        { group: API_GROUP, version: API_VERSION, plural: PLURAL, namespace, name },
        withTimeout(this.timeoutMs),
      )) as PodPool;
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    }
  }
}
