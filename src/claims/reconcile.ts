/**
 * One reconcile of the claims naming one pool (key `namespace/pool`), level-triggered:
 * release (pods of deleted claims) -> observe (each claim's pod, the pool) -> decide (phase.ts) -> act (expire, bind oldest first)
 * -> report (status, events, unmet demand). Binding is the reservation API's own guarded write
 * (reserveReadyPod), so a pod never goes to two claims, nor to a claim and an API caller.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { PodPoolClaim, PodPoolClaimStatus } from '../api/claim-schema.js';
import { parsePoolKey, type PoolKey } from '../api/pool-key.js';
import type { Clock } from '../clock.js';
import { PodpoolError } from '../errors.js';
import { apiStatus } from '../kube/api-status.js';
import { forEachBounded } from '../kube/bounded.js';
import type { EventRecorder, EventType } from '../kube/events.js';
import type { Logger } from '../log.js';
import { claimTransitionsTotal } from '../metrics.js';
import type { PodClaims } from '../reservations/claims.js';
import type { ReservationPodSource } from '../reservations/pod-source.js';
import { countReservableCandidates, reserveReadyPod, type ReservationPodWriter, type ReserveContext } from '../reservations/reserve.js';
import type { UnmetDemandRecorder } from '../reservations/unmet-demand.js';
import type { ClaimSource } from './claim-cache.js';
import { claimCaller, claimReference, handOverOf, owningClaimUid } from './identity.js';
import type { ClaimStatusWriter } from './kube-claim-writer.js';
import { releaseOrphans, type OrphanDeps } from './orphans.js';
import { bindingOrder, claimStatus, claimStatusChanged, decideClaim, type StatusInput } from './phase.js';
import type { RecentBinds } from './recent-binds.js';

/** Pending claims are looked at again this often even when no pod changes (unmet demand counts again after its dedupe window). */
export const PENDING_RESYNC_MS = 30_000;
/** After losing every race for the ready pods (API callers on other replicas), try again soon. */
export const CONTENTION_RETRY_MS = 1_000;
/** A status write that lost to a newer version of the claim is redone once the cache has it. */
export const STATUS_CONFLICT_RETRY_MS = 200;
const STATUS_WRITE_CONCURRENCY = 16;

export interface ClaimReconcileDeps extends OrphanDeps {
  claims: ClaimSource;
  /** Pools and their pods: the process's informer cache. */
  pools: Pick<ReservationPodSource, 'getPool' | 'podsOf' | 'hasSynced'>;
  podWriter: ReservationPodWriter;
  statusWriter: ClaimStatusWriter;
  /** A read of the pool from the API server, before failing a claim for a pool the cache does not show. */
  readPool(namespace: string, name: string): Promise<unknown>;
  unmetDemand?: Pick<UnmetDemandRecorder, 'record'> | undefined;
  events: EventRecorder;
  podClaims: PodClaims;
  recentBinds: RecentBinds;
  maxConflicts: number;
  log: Logger;
  clock: Clock;
  random: () => number;
}

export interface ClaimReconcileResult {
  requeueAfterMs: number;
  bound: number;
  pending: number;
}

interface Outcome {
  claim: PodPoolClaim;
  status: StatusInput;
}

function isLive(pod: V1Pod | undefined): pod is V1Pod {
  return pod !== undefined && pod.metadata?.deletionTimestamp === undefined;
}

export async function reconcileClaims(key: PoolKey, deps: ClaimReconcileDeps): Promise<ClaimReconcileResult> {
  const { namespace, name: poolName } = parsePoolKey(key);
  if (!deps.claims.hasSynced() || !deps.pools.hasSynced()) return { requeueAfterMs: CONTENTION_RETRY_MS, bound: 0, pending: 0 };
  const known = deps.claims.claimsOf(namespace, poolName);
  const pods = deps.pools.podsOf(namespace, poolName);
  const released = await releaseOrphans(namespace, pods, new Set(known.map((claim) => claim.metadata.uid ?? '')), deps);
  if (released.length > 0) deps.log.info({ pods: released }, 'released the pods of deleted claims');
  const claims = known.filter((claim) => claim.metadata.deletionTimestamp === undefined);
  if (claims.length === 0) return { requeueAfterMs: 0, bound: 0, pending: 0 };
  const nowMs = deps.clock.now();

  // observe
  const held = new Map<string, V1Pod>();
  for (const pod of pods) {
    const uid = owningClaimUid(pod);
    if (uid !== undefined) held.set(uid, pod);
  }
  // The cache may lag behind a pool created a moment ago: ask the API server (once) before failing a claim.
  let poolCheck: Promise<boolean> | undefined = deps.pools.getPool(namespace, poolName) !== undefined ? Promise.resolve(true) : undefined;
  const confirmPool = (): Promise<boolean> => (poolCheck ??= deps.readPool(namespace, poolName).then((pool) => pool !== undefined));

  const outcomes: Outcome[] = [];
  const waiting: PodPoolClaim[] = [];
  let nextExpiryMs: number | undefined;
  const failures: string[] = [];
  await Promise.all(
    claims.map(async (claim) => {
      const uid = claim.metadata.uid ?? '';
      const cached = held.get(uid);
      if (cached !== undefined) deps.recentBinds.forget(uid);
      let pod = cached ?? deps.recentBinds.get(uid, nowMs);
      if (pod === undefined && claim.status?.phase === 'Bound' && claim.status.podName) {
        // Bound, but the cache shows no pod: it may only lag (another leader bound it just now).
        const live = await deps.podWriter.read(namespace, claim.status.podName);
        if (live !== undefined && owningClaimUid(live) === uid) pod = live;
      }
      const needsPool =
        !isLive(pod) && claim.status?.phase !== 'Bound' && claim.status?.phase !== 'Failed' && claim.status?.phase !== 'Expired';
      const decision = decideClaim({
        claim,
        pod: isLive(pod) ? pod : undefined,
        poolExists: needsPool ? await confirmPool() : true,
        nowMs,
      });
      switch (decision.kind) {
        case 'done':
          return;
        case 'bound':
          if (decision.expiresInMs !== undefined) nextExpiryMs = Math.min(nextExpiryMs ?? Infinity, decision.expiresInMs);
          outcomes.push({
            claim,
            status: { phase: 'Bound', reason: 'PodBound', message: `holds pod ${decision.pod.metadata?.name}`, pod: decision.pod },
          });
          return;
        case 'expire': {
          const expiring = decision.pod;
          if (expiring?.metadata?.name && expiring.metadata.uid) {
            try {
              await deps.podWriter.delete(namespace, expiring.metadata.name, expiring.metadata.uid);
            } catch (error) {
              failures.push(`deleting pod ${expiring.metadata.name} of expired claim ${claim.metadata.name}: ${(error as Error).message}`);
              return;
            }
          }
          const ttl = claim.spec.ttlSeconds ?? 0;
          outcomes.push({
            claim,
            status: { phase: 'Expired', reason: 'TTLExpired', message: `ttlSeconds ${ttl} passed; the pod was deleted`, pod: expiring },
          });
          return;
        }
        case 'fail':
          outcomes.push({
            claim,
            status:
              decision.reason === 'PoolNotFound'
                ? { phase: 'Failed', reason: 'PoolNotFound', message: `podpool ${namespace}/${poolName} does not exist` }
                : {
                    phase: 'Failed',
                    reason: 'PodDeleted',
                    message: `pod ${claim.status?.podName ?? ''} was deleted before the claim ended`,
                  },
          });
          return;
        case 'bind':
          waiting.push(claim);
      }
    }),
  );

  // act: bind oldest first, as many at once as there are ready pods.
  const { bound, contended, firstExpiryMs } = await bindWaiting(
    bindingOrder(waiting),
    namespace,
    poolName,
    pods,
    nowMs,
    deps,
    outcomes,
    failures,
  );

  // report
  const conflicts = await report(outcomes, deps, failures);
  if (failures.length > 0) throw new Error(failures.join('; '));
  const pending = outcomes.filter((o) => o.status.phase === 'Pending').length;
  const requeues = [
    nextExpiryMs,
    firstExpiryMs,
    pending > 0 ? (contended ? CONTENTION_RETRY_MS : PENDING_RESYNC_MS) : undefined,
    conflicts > 0 ? STATUS_CONFLICT_RETRY_MS : undefined,
  ].filter((ms): ms is number => ms !== undefined);
  return { requeueAfterMs: requeues.length > 0 ? Math.max(1, Math.min(...requeues)) : 0, bound, pending };
}

async function bindWaiting(
  ordered: PodPoolClaim[],
  namespace: string,
  poolName: string,
  pods: V1Pod[],
  nowMs: number,
  deps: ClaimReconcileDeps,
  outcomes: Outcome[],
  failures: string[],
): Promise<{ bound: number; contended: boolean; firstExpiryMs: number | undefined }> {
  const context: ReserveContext = {
    source: deps.pools,
    writer: deps.podWriter,
    claims: deps.podClaims,
    maxConflicts: deps.maxConflicts,
    clock: deps.clock,
    random: deps.random,
  };
  const available = countReservableCandidates(pods, deps.podClaims, new Set(), nowMs);
  const pending = (claim: PodPoolClaim): void => {
    outcomes.push({ claim, status: { phase: 'Pending', reason: 'NoReadyPod', message: `waiting for a ready pod of podpool ${poolName}` } });
    deps.unmetDemand?.record(namespace, poolName, `claim:${claim.metadata.uid ?? claim.metadata.name}`);
  };
  let bound = 0;
  let contended = false;
  let firstExpiryMs: number | undefined;
  await Promise.all(
    ordered.map(async (claim, index) => {
      if (index >= available) return pending(claim);
      const name = claim.metadata.name ?? '';
      try {
        const attempt = await reserveReadyPod(
          context,
          {
            namespace,
            pool: poolName,
            user: claim.spec.user ?? name,
            caller: claimCaller(namespace, name),
            ttlSeconds: claim.spec.ttlSeconds,
            handOver: handOverOf(claim),
          },
          new Set(),
        );
        if (attempt.kind === 'reserved') {
          bound += 1;
          if (claim.spec.ttlSeconds !== undefined) firstExpiryMs = Math.min(firstExpiryMs ?? Infinity, claim.spec.ttlSeconds * 1000);
          deps.recentBinds.remember(claim.metadata.uid ?? '', attempt.pod, deps.clock.now());
          outcomes.push({
            claim,
            status: { phase: 'Bound', reason: 'PodBound', message: `holds pod ${attempt.pod.metadata?.name}`, pod: attempt.pod },
          });
          return;
        }
        if (attempt.kind === 'contention') contended = true;
        pending(claim);
      } catch (error) {
        // The API server found the hand-over invalid (a label value it does not accept): retrying cannot help.
        if (error instanceof PodpoolError && apiStatus(error.cause) === 422) {
          outcomes.push({ claim, status: { phase: 'Failed', reason: 'BindFailed', message: error.message } });
          return;
        }
        failures.push(`binding claim ${name}: ${(error as Error).message}`);
      }
    }),
  );
  return { bound, contended, firstExpiryMs };
}

const EVENT_TYPE: Record<StatusInput['phase'], EventType> = { Pending: 'Normal', Bound: 'Normal', Expired: 'Normal', Failed: 'Warning' };

/** Writes the statuses that changed, records events for transitions; returns how many writes lost a conflict. */
async function report(outcomes: Outcome[], deps: ClaimReconcileDeps, failures: string[]): Promise<number> {
  const nowIso = new Date(deps.clock.now()).toISOString();
  let conflicts = 0;
  await forEachBounded(outcomes, STATUS_WRITE_CONCURRENCY, async ({ claim, status: input }) => {
    const status: PodPoolClaimStatus = claimStatus(claim, input, nowIso);
    if (!claimStatusChanged(claim.status, status)) return;
    const before = claim.status?.conditions?.[0];
    try {
      if ((await deps.statusWriter.writeStatus(claim, status)) === 'gone') return;
    } catch (error) {
      if (apiStatus(error) === 409) conflicts += 1;
      else failures.push(`status of claim ${claim.metadata.name}: ${(error as Error).message}`);
      return;
    }
    if (claim.status?.phase !== input.phase) {
      claimTransitionsTotal.inc({ namespace: claim.metadata.namespace ?? '', pool: claim.spec.poolName, phase: input.phase });
    }
    if (claim.status?.phase !== input.phase || before?.reason !== input.reason) {
      deps.events.record(claimReference(claim), EVENT_TYPE[input.phase], input.reason, input.message);
      deps.log.info({ claim: claim.metadata.name, phase: input.phase, reason: input.reason, pod: status.podName }, 'claim status');
    }
  });
  return conflicts;
}
