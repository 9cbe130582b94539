/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: acquire or renew every
 * retry period with resourceVersion-guarded writes; a lease counts as expired when its record has
 * not changed for leaseDuration by *our* clock (so clock skew between replicas does not matter);
 * a lost write (409) is followed by a re-read, never by assuming the lease; leadership is given
 * up when renewal has not succeeded within renewDeadline; on shutdown the lease is released so
 * another replica takes over at once.
 */
import { KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { isLeader } from '../metrics.js';
import { delay, withTimeout } from './backoff.js';
import { KubeLeaseStore, type LeaseStore } from './lease-store.js';

export const LEASE_DURATION_SECONDS = 15;
export const RENEW_DEADLINE_SECONDS = 10;
export const RETRY_PERIOD_SECONDS = 2;
/** A request to an API server that is restarting can hang; no attempt waits longer than this. */
const ATTEMPT_TIMEOUT_MS = 5_000;

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

/** The lease's record as last seen, and when we saw it change (our clock). */
interface Observation {
  record: string;
  holder: string;
  durationMs: number;
  atMs: number;
}

function timeOf(value: Date | string | undefined): number | undefined {
  return value === undefined ? undefined : new Date(value).getTime();
}

export class LeaderElector {
  private readonly leases: LeaseStore;
  private readonly abort = new AbortController();
  private leading = false;
  private observed: Observation | undefined;
  /** When the last successful renewal was sent. */
  private renewedAtMs = 0;
  private loop: Promise<void> | undefined;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  /** With a KubeConfig the lease is options.namespace/options.name on that cluster. */
  constructor(
    leases: KubeConfig | LeaseStore,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
  ) {
    this.leases = leases instanceof KubeConfig ? new KubeLeaseStore(leases, options.namespace, options.name) : leases;
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

  /** Stops campaigning; when leading, stops leading and then releases the lease so another replica can take over at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.leading) this.setLeading(false);
    // Also a lease taken by an attempt that finished after stop() began.
    if (this.observed?.holder === this.options.identity) await this.release();
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      if (this.leading && this.renewDeadlinePassed()) this.stepDown('could not renew the lease within the renew deadline');
      const startedMs = Date.now();
      let acquired = false;
      try {
        acquired = await withTimeout(this.tryAcquireOrRenew(), this.attemptTimeoutMs(startedMs), 'lease update');
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'leader election: lease update failed');
      }
      // Stopping: never start leading now; stop() releases what this attempt took.
      if (this.abort.signal.aborted) break;
      if (acquired) {
        this.renewedAtMs = startedMs;
        if (!this.leading) this.setLeading(true);
      } else if (this.leading && this.heldByOther()) {
        this.stepDown(`the lease is held by ${this.observed?.holder}`);
      } else if (this.leading && this.renewDeadlinePassed()) {
        this.stepDown('could not renew the lease within the renew deadline');
      }
      await delay(this.nextAttemptInMs(), this.abort.signal);
    }
  }

  private renewDeadlinePassed(): boolean {
    return Date.now() >= this.renewedAtMs + this.renewDeadlineMs;
  }

  /** A leader's attempt ends by its renew deadline, so it steps down in time however the API server behaves. */
  private attemptTimeoutMs(startedMs: number): number {
    const left = this.leading ? this.renewedAtMs + this.renewDeadlineMs - startedMs : this.renewDeadlineMs;
    return Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, left));
  }

  private nextAttemptInMs(): number {
    if (!this.leading) return this.retryPeriodMs;
    return Math.max(0, Math.min(this.retryPeriodMs, this.renewedAtMs + this.renewDeadlineMs - Date.now()));
  }

  private heldByOther(): boolean {
    return this.observed !== undefined && this.observed.holder !== '' && this.observed.holder !== this.options.identity;
  }

  private stepDown(why: string): void {
    this.log.error(`leader election: ${why}; stepping down`);
    this.setLeading(false);
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    isLeader.set(leading ? 1 : 0);
    this.log.info(
      { identity: this.options.identity, lease: `${this.options.namespace}/${this.options.name}` },
      leading ? 'became leader' : 'stopped leading',
    );
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  /** Records the lease; its observation time moves only when its record changed (client-go compares the whole record). */
  private observe(lease: V1Lease): void {
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const record = JSON.stringify([
      holder,
      spec.leaseDurationSeconds,
      timeOf(spec.acquireTime),
      timeOf(spec.renewTime),
      spec.leaseTransitions,
    ]);
    if (this.observed?.record === record) return;
    this.observed = { record, holder, durationMs: (spec.leaseDurationSeconds ?? LEASE_DURATION_SECONDS) * 1000, atMs: Date.now() };
  }

  /** Someone else wrote the lease since we read it: see what they wrote instead of assuming it. */
  private async reread(): Promise<false> {
    const current = await this.leases.get();
    if (current !== undefined) this.observe(current);
    return false;
  }

  private leaseSpec(acquireTime: Date): V1Lease['spec'] {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      acquireTime,
      renewTime: new Date(),
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const lease = await this.leases.get();
    if (lease === undefined) {
      const created = await this.leases.create({ metadata: { name, namespace }, spec: this.leaseSpec(new Date()) });
      if (created === 'conflict') return this.reread();
      this.observe(created);
      return true;
    }
    this.observe(lease);
    const observed = this.observed as Observation;
    if (this.heldByOther() && Date.now() < observed.atMs + observed.durationMs) return false;
    const acquireTime = observed.holder === identity && lease.spec?.acquireTime ? new Date(lease.spec.acquireTime) : new Date();
    const updated = await this.leases.update({ ...lease, spec: this.leaseSpec(acquireTime) });
    if (updated === 'conflict') return this.reread();
    this.observe(updated);
    return true;
  }

  private async release(): Promise<void> {
    try {
      await withTimeout(this.clearHolder(), ATTEMPT_TIMEOUT_MS, 'lease release');
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'could not release the leader lease');
    }
  }

  private async clearHolder(): Promise<void> {
    const lease = await this.leases.get();
    if (lease === undefined) return;
    this.observe(lease);
    if (lease.spec?.holderIdentity !== this.options.identity) return;
    const released = await this.leases.update({
      ...lease,
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new Date() },
    });
    if (released === 'conflict') {
      this.log.warn('could not release the leader lease: it changed since it was read');
      return;
    }
    this.observe(released);
    this.log.info('released the leader lease');
  }
}
