/**
 * Reserve, list and release, over the cache and the pod writer: no HTTP here. A reservation
 * tries the ready pods now; with a wait it queues for the pool's next ready pod and tries again.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { POOL_LABEL } from '../api/labels.js';
import { poolKey, type PoolKey } from '../api/pool-key.js';
import { PodpoolError } from '../errors.js';
import {
  reservationColdWait,
  reservationConflictsTotal,
  reservationDuration,
  reservationRefusalRecovery,
  reservationsTotal,
} from '../metrics.js';
import { PodClaims } from './claims.js';
import { ReservationUnavailableError } from './errors.js';
import { MAX_WAIT_SECONDS } from './request-body.js';
import { podKeyOf, type ReservationPodSource } from './pod-source.js';
import { RefusalRecovery } from './refusal-recovery.js';
import { authorizeRelease, type Releaser } from './release-authorization.js';
import { isReservable, isReserved, reservationOf, type Reservation } from './reservation.js';
import { hasReservableCandidate, reserveReadyPod, type ReservationPodWriter, type ReserveContext, type ReserveRequest } from './reserve.js';
import type { UnmetDemandRecorder } from './unmet-demand.js';
import { ReadyPodWaiters } from './waiters.js';
import { systemClock, type Clock } from '../clock.js';

export interface ReservationOptions {
  /** Lost resourceVersion races one request accepts before answering 503. */
  maxConflicts: number;
  /** Retry-After when no pod is ready. */
  retryAfterSeconds: number;
  /** Upper bound of `?wait=`. */
  maxWaitSeconds: number;
}

export const DEFAULT_RESERVATION_OPTIONS: ReservationOptions = { maxConflicts: 5, retryAfterSeconds: 5, maxWaitSeconds: MAX_WAIT_SECONDS };

export interface ReservationServiceDeps {
  source: ReservationPodSource;
  writer: ReservationPodWriter;
  options?: Partial<ReservationOptions>;
  /** Told of every request that finds no ready pod, so the controller sees the demand. */
  unmetDemand?: Pick<UnmetDemandRecorder, 'record'> | undefined;
  clock?: Clock;
  random?: () => number;
}

export type ReservationOutcome = 'warm' | 'cold';
/** Every outcome podpool_reservations_total counts. */
export const COUNTED_OUTCOMES = ['warm', 'cold', 'refused', 'failed'] as const;

export class ReservationService {
  readonly options: ReservationOptions;
  private readonly source: ReservationPodSource;
  private readonly writer: ReservationPodWriter;
  private readonly claims = new PodClaims();
  private readonly waiters = new ReadyPodWaiters();
  private readonly context: ReserveContext;
  private readonly clock: Clock;
  private readonly unmetDemand: Pick<UnmetDemandRecorder, 'record'> | undefined;
  private readonly refusals: RefusalRecovery;
  private readonly poolsCounted = new Set<PoolKey>();

  constructor(deps: ReservationServiceDeps) {
    this.source = deps.source;
    this.unmetDemand = deps.unmetDemand;
    this.writer = deps.writer;
    this.options = { ...DEFAULT_RESERVATION_OPTIONS, ...deps.options };
    this.clock = deps.clock ?? systemClock;
    this.context = {
      source: deps.source,
      writer: deps.writer,
      claims: this.claims,
      maxConflicts: this.options.maxConflicts,
      clock: this.clock,
      random: deps.random ?? Math.random,
    };
    this.refusals = new RefusalRecovery(
      () => this.clock.now(),
      (namespace, pool, seconds) => reservationRefusalRecovery.observe({ namespace, pool }, seconds),
    );
    deps.source.onChange((key, change) => {
      if (change.pool !== undefined) this.startCounting(key, change.pool.metadata.namespace ?? '', change.pool.metadata.name ?? '');
      this.onPoolChange(key, change.pod, change.previousPod);
    });
  }

  /** The pool must be known to the (synced) cache. */
  requirePool(namespace: string, pool: string): void {
    if (!this.source.hasSynced()) {
      throw new ReservationUnavailableError('the operator is still loading pools and pods; retry shortly', 1);
    }
    if (this.source.getPool(namespace, pool) === undefined) {
      throw new PodpoolError('NotFound', `podpool ${namespace}/${pool} not found`);
    }
  }

  async reserve(
    request: ReserveRequest,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ reservation: Reservation; outcome: ReservationOutcome }> {
    const startMs = this.clock.now();
    const labels = { namespace: request.namespace, pool: request.pool };
    try {
      const { pod, waited } = await this.reserveOrWait(request, startMs + waitMs, signal);
      const outcome: ReservationOutcome = waited ? 'cold' : 'warm';
      const seconds = (this.clock.now() - startMs) / 1000;
      reservationsTotal.inc({ ...labels, outcome });
      reservationDuration.observe({ outcome }, seconds);
      if (waited) reservationColdWait.observe(labels, seconds);
      return { reservation: reservationOf(pod), outcome };
    } catch (error) {
      // A vanished pool is the caller's 404, not a failed reservation of a known pool.
      if (!(error instanceof PodpoolError && error.code === 'NotFound')) {
        const outcome = error instanceof ReservationUnavailableError ? 'refused' : 'failed';
        reservationsTotal.inc({ ...labels, outcome });
        reservationDuration.observe({ outcome }, (this.clock.now() - startMs) / 1000);
      }
      throw error;
    }
  }

  list(namespace: string, pool: string): Reservation[] {
    const reserved = this.source.podsOf(namespace, pool).filter(isReserved);
    if (reserved.length === 0) this.requirePool(namespace, pool);
    return reserved.map(reservationOf).sort((a, b) => a.reservedAt.localeCompare(b.reservedAt) || a.pod.localeCompare(b.pod));
  }

  /**
   * Ends a session by deleting its pod, if the releaser may (see release-authorization.ts); an
   * unknown reservation is 404 before anyone is asked. Works after the PodPool is gone (reserved
   * pods outlive it). A pod the cache does not show reserved yet (reserved a moment ago) is re-read
   * from the API server.
   */
  async release(namespace: string, pool: string, podName: string, releaser: Releaser): Promise<Reservation> {
    if (!this.source.hasSynced()) throw new ReservationUnavailableError('the operator is still loading pools and pods; retry shortly', 1);
    const cached = this.source.podsOf(namespace, pool).find((pod) => pod.metadata?.name === podName);
    const pod = cached !== undefined && isReserved(cached) ? cached : await this.writer.read(namespace, podName);
    const notFound = new PodpoolError('NotFound', `no reservation ${podName} in podpool ${namespace}/${pool}`);
    if (pod === undefined || pod.metadata?.labels?.[POOL_LABEL] !== pool || !isReserved(pod) || !pod.metadata.uid) throw notFound;
    await authorizeRelease(pod, releaser);
    if ((await this.writer.delete(namespace, podName, pod.metadata.uid)) === 'gone') throw notFound;
    return reservationOf(pod);
  }

  private async reserveOrWait(request: ReserveRequest, deadlineMs: number, signal?: AbortSignal): Promise<{ pod: V1Pod; waited: boolean }> {
    const key = poolKey(request.namespace, request.pool);
    const tried = new Set<string>();
    const willWait = deadlineMs > this.clock.now();
    let waited = false;
    for (;;) {
      this.requirePool(request.namespace, request.pool);
      const attempt = await reserveReadyPod(this.context, request, tried);
      if (attempt.conflicts > 0) reservationConflictsTotal.inc(attempt.conflicts);
      if (attempt.kind === 'reserved') return { pod: attempt.pod, waited };
      // Not served at once, for want of a pod or after losing every race for one: unmet demand.
      if (!waited) this.unmetDemand?.record(request.namespace, request.pool, request.user);
      if (attempt.kind === 'contention') {
        throw new ReservationUnavailableError(`lost ${attempt.conflicts} races for ready pods of ${key}; retry`, 1);
      }
      const outcome = await this.waiters.wait(key, deadlineMs - this.clock.now(), {
        front: waited,
        signal,
        readyNow: () => hasReservableCandidate(this.source.podsOf(request.namespace, request.pool), this.claims, tried, this.clock.now()),
      });
      if (outcome === 'aborted') throw new PodpoolError('Unavailable', 'the client went away while waiting for a ready pod');
      if (outcome === 'timeout') {
        this.refusals.refused(request.namespace, request.pool);
        const within = willWait ? ' within the wait' : '';
        throw new ReservationUnavailableError(`no ready pod in podpool ${key}${within}`, this.options.retryAfterSeconds);
      }
      waited = true;
    }
  }

  /**
   * Every outcome's series exists at 0 from the moment the pool is known: Prometheus takes a
   * series' first sample as its baseline, so reservations counted before it would be lost to rate().
   */
  private startCounting(key: PoolKey, namespace: string, pool: string): void {
    if (this.poolsCounted.has(key)) return;
    this.poolsCounted.add(key);
    for (const outcome of COUNTED_OUTCOMES) reservationsTotal.inc({ namespace, pool, outcome }, 0);
  }

  private onPoolChange(key: PoolKey, pod: V1Pod | undefined, previousPod: V1Pod | undefined): void {
    const current = pod ?? previousPod;
    const namespace = current?.metadata?.namespace;
    const name = current?.metadata?.name;
    if (namespace === undefined || name === undefined) return;
    this.claims.observe(podKeyOf(namespace, name), pod?.metadata?.resourceVersion);
    if (pod !== undefined && isReservable(pod)) {
      this.refusals.podReady(key);
      this.waiters.wakeOne(key);
    }
  }
}
