/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: acquire or renew every
 * retry period with resourceVersion-guarded writes; a lease counts as expired when its record has
 * not changed for leaseDuration by *our* clock (so clock skew between replicas does not matter);
 * leadership is given up when renewal has failed for renewDeadline; on shutdown the lease is
 * released so another replica takes over at once.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { isLeader } from '../metrics.js';
import { apiStatus } from './api-status.js';
import { delay, withTimeout } from './backoff.js';

export const LEASE_DURATION_SECONDS = 15;
export const RENEW_DEADLINE_SECONDS = 10;
export const RETRY_PERIOD_SECONDS = 2;

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
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

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly abort = new AbortController();
  private leading = false;
  private observed: { holder: string; renewTime: string; resourceVersion: string } | undefined;
  private observedAtMs = 0;
  private loop: Promise<void> | undefined;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = (options.leaseDurationSeconds ?? LEASE_DURATION_SECONDS) * 1000;
    this.renewDeadlineMs = (options.renewDeadlineSeconds ?? RENEW_DEADLINE_SECONDS) * 1000;
    this.retryPeriodMs = (options.retryPeriodSeconds ?? RETRY_PERIOD_SECONDS) * 1000;
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning; when leading, releases the lease so another replica can take over at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.leading) {
      this.setLeading(false);
      await this.release();
    }
  }

  private async run(): Promise<void> {
    let lastRenewMs = Date.now();
    while (!this.abort.signal.aborted) {
      let acquired = false;
      try {
        // A request to an API server that is restarting can hang; never let one stall the loop
        // past the renew deadline.
        acquired = await withTimeout(this.tryAcquireOrRenew(), Math.min(this.renewDeadlineMs, 5_000), 'lease update');
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'leader election: lease update failed');
      }
      const now = Date.now();
      if (acquired) {
        lastRenewMs = now;
        if (!this.leading) this.setLeading(true);
      } else if (this.leading && now - lastRenewMs >= this.renewDeadlineMs) {
        this.log.error('leader election: could not renew the lease within the renew deadline; stepping down');
        this.setLeading(false);
      } else if (this.leading && this.observed !== undefined && this.observed.holder !== this.options.identity) {
        this.setLeading(false);
      }
      await delay(this.retryPeriodMs, this.abort.signal);
    }
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    isLeader.set(leading ? 1 : 0);
    this.log.info({ identity: this.options.identity, lease: `${this.options.namespace}/${this.options.name}` }, leading ? 'became leader' : 'stopped leading');
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private leaseSpec(acquireTime: Date): V1Lease['spec'] {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      acquireTime: new MicroTime(acquireTime.getTime()),
      renewTime: new MicroTime(),
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (apiStatus(error) !== 404) throw error;
      try {
        await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: this.leaseSpec(new Date()) } });
        return true;
      } catch (createError) {
        if (apiStatus(createError) === 409) return false;
        throw createError;
      }
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const record = { holder, renewTime: String(lease.spec?.renewTime ?? ''), resourceVersion: lease.metadata?.resourceVersion ?? '' };
    if (this.observed === undefined || this.observed.holder !== record.holder || this.observed.renewTime !== record.renewTime) {
      this.observed = record;
      this.observedAtMs = Date.now();
    }
    const durationMs = (lease.spec?.leaseDurationSeconds ?? LEASE_DURATION_SECONDS) * 1000;
    const heldByOther = holder !== '' && holder !== identity && Date.now() < this.observedAtMs + durationMs;
    if (heldByOther) return false;
    const acquireTime = holder === identity && lease.spec?.acquireTime ? new Date(lease.spec.acquireTime) : new Date();
    try {
      const updated = await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: this.leaseSpec(acquireTime) } });
      this.observed = { holder: identity, renewTime: String(updated.spec?.renewTime ?? ''), resourceVersion: updated.metadata?.resourceVersion ?? '' };
      this.observedAtMs = Date.now();
      return true;
    } catch (error) {
      if (apiStatus(error) === 409) return false;
      throw error;
    }
  }

  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: new MicroTime(),
            acquireTime: lease.spec?.acquireTime === undefined ? undefined : new MicroTime(new Date(lease.spec.acquireTime).getTime()),
          },
        },
      });
      this.log.info('released the leader lease');
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'could not release the leader lease');
    }
  }
}
