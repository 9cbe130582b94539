/**
 * The one Lease leader election reads and writes, behind the three calls it needs, so the
 * elector can be driven by an in-memory store in tests. KubeLeaseStore is the API server's.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { apiStatus } from './api-status.js';

export interface LeaseStore {
  /** The lease, or undefined when it does not exist. */
  get(): Promise<V1Lease | undefined>;
  /** The created lease, or 'conflict' when one already exists. */
  create(lease: V1Lease): Promise<V1Lease | 'conflict'>;
  /** The written lease, or 'conflict' when its resourceVersion is stale: someone else wrote it since it was read. */
  update(lease: V1Lease): Promise<V1Lease | 'conflict'>;
}

/**
 * Lease times are MicroTime, which the API server parses with six fractional digits; client-node
 * serializes a Date with toISOString (three), which it rejects. This Date prints six.
 */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }
}

function withMicroTimes(lease: V1Lease): V1Lease {
  if (lease.spec === undefined) return lease;
  const { acquireTime, renewTime } = lease.spec;
  return {
    ...lease,
    spec: {
      ...lease.spec,
      acquireTime: acquireTime === undefined ? undefined : new MicroTime(new Date(acquireTime).getTime()),
      renewTime: renewTime === undefined ? undefined : new MicroTime(new Date(renewTime).getTime()),
    },
  };
}

export class KubeLeaseStore implements LeaseStore {
  private readonly api: CoordinationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  async get(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async create(lease: V1Lease): Promise<V1Lease | 'conflict'> {
    try {
      return await this.api.createNamespacedLease({ namespace: this.namespace, body: withMicroTimes(lease) });
    } catch (error) {
      if (apiStatus(error) === 409) return 'conflict';
      throw error;
    }
  }

  async update(lease: V1Lease): Promise<V1Lease | 'conflict'> {
    try {
      return await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: withMicroTimes(lease) });
    } catch (error) {
      if (apiStatus(error) === 409) return 'conflict';
      throw error;
    }
  }
}
