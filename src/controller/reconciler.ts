/**
 * One reconcile of one PodPool, level-triggered, as a short list of named steps:
 *   observe -> decide -> plan -> hand over reserved pods -> delete -> relabel -> create -> report.
 * Each write step returns the problems it met instead of throwing, so one failed write never
 * hides the others; the report step puts them into the Degraded condition and Warning events,
 * and a reconcile with failed writes is retried with backoff.
 */
import { parsePoolKey, type PoolKey } from '../api/pool-key.js';
import type { PodPool } from '../api/schema.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { planPods, type Plan } from '../pool/plan.js';
import { reservationExpiry } from '../pool/reservation-expiry.js';
import { decide, type Decision } from './decide.js';
import { Expectations } from './expectations.js';
import { observePool, WarmupSampler, type Observation } from './observe.js';
import { expireOrphanedReservations } from './orphaned-reservations.js';
import type { EventRecorder, PodWriter, PoolReader, StatusWriter, WaitingClaims } from './ports.js';
import { ReconcileFailed, type Problem } from './problems.js';
import { forgetMetrics, recordMetrics, recordPoolHealth, reportProblems, reportScalingEvents } from './report.js';
import { buildStatus, statusChanged } from './status.js';
import { createPods } from './steps/create-pods.js';
import { deletePods, type Deletion } from './steps/delete-pods.js';
import { handOverReservedPods } from './steps/hand-over.js';
import { relabelPods } from './steps/relabel-pods.js';
import { poolTarget, type PoolTarget } from './steps/target.js';

export const RESYNC_MS = 15_000;
export const MAX_CREATES_PER_RECONCILE = 500;

export interface ReconcilerPorts {
  cache: PoolReader;
  pods: PodWriter;
  status: StatusWriter;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  /** Claims waiting for a pod, per pool; none without it (an operator without the claim controller). */
  claims?: WaitingClaims | undefined;
}

export interface ReconcileResult {
  requeueAfterMs: number;
}

interface Acted {
  created: number;
  deleted: number;
  deletedSurplus: number;
  nextExpiryInMs: number | undefined;
  problems: Problem[];
}

export class Reconciler {
  /** Creates and deletes sent that the cache does not show yet, timed by the reconciler's clock. */
  private readonly expectations: Expectations;
  private readonly warmups = new WarmupSampler();

  constructor(private readonly ports: ReconcilerPorts) {
    this.expectations = new Expectations(ports.clock);
  }

  /** Reconciles the pool of `key` (namespace/name); rejects (to be retried) when a write failed. */
  async reconcile(key: PoolKey, log: Logger = this.ports.log): Promise<ReconcileResult> {
    const { namespace, name } = parsePoolKey(key);
    const pool = this.ports.cache.getPool(namespace, name);
    if (pool === undefined) return this.reconcileDeleted(key, namespace, name);
    const nowMs = this.ports.clock.now();
    const target = poolTarget(key, pool, this.ports.cache.podsOf(namespace, name));
    const observed = observePool(pool, [...target.pods.values()], nowMs, this.warmups, key, this.ports.claims?.waitingFor(key) ?? 0);
    const decision = decide(pool, observed, nowMs);
    const plan = this.plan(key, observed, decision.wanted);
    const acted = await this.act(target, observed, plan, nowMs);
    await this.report(pool, observed, decision, acted, nowMs);
    log.child({ generation: pool.metadata.generation }).debug(
      {
        wanted: decision.wanted,
        ready: observed.classes.ready.length,
        warming: observed.classes.warming.length,
        created: acted.created,
        deleted: acted.deleted,
      },
      'reconciled',
    );
    if (acted.problems.length > 0) throw new ReconcileFailed(acted.problems);
    return { requeueAfterMs: Math.min(RESYNC_MS, acted.nextExpiryInMs ?? RESYNC_MS) };
  }

  /**
   * The garbage collector removes a deleted pool's unreserved pods through their owner
   * references; its reserved pods stay until their sessions end.
   */
  private async reconcileDeleted(key: PoolKey, namespace: string, name: string): Promise<ReconcileResult> {
    this.warmups.forget(key);
    forgetMetrics(namespace, name);
    const orphans = await expireOrphanedReservations(key, namespace, name, this.ports.clock.now(), {
      cache: this.ports.cache,
      writer: this.ports.pods,
      expectations: this.expectations,
    });
    this.expectations.forget(key);
    if (orphans.problems.length > 0) throw new ReconcileFailed(orphans.problems);
    return { requeueAfterMs: orphans.requeueAfterMs };
  }

  private plan(key: PoolKey, observed: Observation, wanted: number): Plan {
    const live = new Set(observed.views.filter((v) => v.deletingMs === undefined).map((v) => v.name));
    const going = new Set(observed.views.filter((v) => v.deletingMs !== undefined).map((v) => v.name));
    const inFlight = this.expectations.observe(key, live, going);
    return planPods(observed.classes, wanted, inFlight, MAX_CREATES_PER_RECONCILE);
  }

  private async act(target: PoolTarget, observed: Observation, plan: Plan, nowMs: number): Promise<Acted> {
    const { pods: writer } = this.ports;
    const { classes } = observed;
    const handOverProblems = await handOverReservedPods(target, classes.reserved, observed.reservations.missingReservedAt, nowMs, writer);

    const { expired, nextExpiryInMs } = reservationExpiry(classes.reserved, nowMs);
    const deletions: Deletion[] = [...plan.delete, ...expired.map((pod) => ({ pod, reason: 'expired' as const }))];
    const deleted = await deletePods(target, deletions, writer, this.expectations);

    const deleting = new Set(deletions.map((deletion) => deletion.pod.name));
    const relabelProblems = await relabelPods(
      target,
      plan.relabel,
      observed.admittedWithoutWebhook,
      observed.templateHash,
      deleting,
      writer,
    );

    const created = await createPods(target, plan.create, observed.templateHash, writer, this.expectations);
    return {
      created: created.created,
      deleted: deleted.deleted,
      deletedSurplus: deleted.deletedSurplus,
      nextExpiryInMs,
      problems: [...handOverProblems, ...deleted.problems, ...relabelProblems, ...created.problems],
    };
  }

  private async report(pool: PodPool, observed: Observation, decision: Decision, acted: Acted, nowMs: number): Promise<void> {
    const { recommendation, wanted, limitedBy } = decision;
    const scaled = acted.created > 0 || acted.deletedSurplus > 0;
    const status = buildStatus({
      pool,
      classes: observed.classes,
      recommendation,
      wanted,
      limitedBy,
      history: observed.reservations.history,
      totalReservations: (pool.status?.totalReservations ?? 0) + observed.reservations.count,
      lastReservationMs: observed.reservations.newestMs,
      observedUnmetReservations: observed.reservations.observedUnmet,
      waitingClaims: observed.waitingClaims,
      observedWarmupSeconds: observed.warmups.seconds,
      warmupSamples: observed.warmups.samples,
      profile: observed.reservations.profile,
      lastScaleTime: scaled ? new Date(nowMs).toISOString() : pool.status?.lastScaleTime,
      problems: [...acted.problems, ...observed.notices],
      nowMs,
    });
    reportProblems(pool, observed.notices, this.ports.events);
    reportScalingEvents(
      pool,
      recommendation,
      { created: acted.created, deletedSurplus: acted.deletedSurplus, limitedBy },
      this.ports.events,
    );
    reportProblems(pool, acted.problems, this.ports.events);
    recordMetrics(pool.metadata.namespace ?? '', pool.metadata.name ?? '', observed.classes, recommendation);
    recordPoolHealth(pool, wanted, limitedBy, [...acted.problems, ...observed.notices]);
    // A pool deleted since the cache showed it has nothing left to report on ('gone').
    if (statusChanged(pool.status, status)) await this.ports.status.writeStatus(pool, status);
  }
}
