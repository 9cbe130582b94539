import type { V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import type { LeaseStore } from '../../../src/kube/lease-store.js';

/** One Lease in memory with the API server's optimistic concurrency: a write must carry the current resourceVersion. */
export class FakeLeaseStore implements LeaseStore {
  lease: V1Lease | undefined;
  /** Every call, in order. */
  readonly calls: Array<'get' | 'create' | 'update'> = [];
  /** While set, calls reject with it (an API server that refuses connections). */
  failWith: Error | undefined;
  /** While set, calls never answer (an API server that hangs). */
  hang = false;
  /** Runs once, between the next update's arrival and its check: another replica's write wins the race. */
  beforeNextUpdate: (() => void) | undefined;
  private version = 0;
  private gate: Promise<void> | undefined;

  async get(): Promise<V1Lease | undefined> {
    await this.enter('get');
    return structuredClone(this.lease);
  }

  async create(lease: V1Lease): Promise<V1Lease | 'conflict'> {
    await this.enter('create');
    if (this.lease !== undefined) return 'conflict';
    return this.store(lease);
  }

  async update(lease: V1Lease): Promise<V1Lease | 'conflict'> {
    await this.enter('update');
    const race = this.beforeNextUpdate;
    this.beforeNextUpdate = undefined;
    race?.();
    if (this.lease === undefined || lease.metadata?.resourceVersion !== this.lease.metadata?.resourceVersion) return 'conflict';
    return this.store(lease);
  }

  /** Another replica writes the lease (its times from its own clock). */
  writeAs(holderIdentity: string, spec: Partial<V1LeaseSpec> = {}): void {
    this.store({
      metadata: { name: 'lease', namespace: 'ns', resourceVersion: this.lease?.metadata?.resourceVersion },
      spec: { leaseDurationSeconds: 15, acquireTime: new Date(), renewTime: new Date(), ...this.lease?.spec, holderIdentity, ...spec },
    });
  }

  /** Calls wait until the returned function is called. */
  pause(): () => void {
    let open!: () => void;
    this.gate = new Promise((resolve) => (open = resolve));
    return () => {
      this.gate = undefined;
      open();
    };
  }

  holder(): string | undefined {
    return this.lease?.spec?.holderIdentity;
  }

  private async enter(call: 'get' | 'create' | 'update'): Promise<void> {
    this.calls.push(call);
    await this.gate;
    if (this.hang) await new Promise(() => undefined);
    if (this.failWith !== undefined) throw this.failWith;
  }

  private store(lease: V1Lease): V1Lease {
    this.version += 1;
    this.lease = structuredClone({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.version) } });
    return structuredClone(this.lease);
  }
}
