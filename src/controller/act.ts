/** The act step: the plan's deletes, creates and label patches, and reserved pods' hand-over. */
import type { V1Pod } from '@kubernetes/client-node';
import { RESERVED_AT_ANNOTATION, STATE_LABEL, TEMPLATE_HASH_LABEL } from '../api/labels.js';
import type { PodPool } from '../api/schema.js';
import type { Logger } from '../log.js';
import { podsCreatedTotal, podsDeletedTotal } from '../metrics.js';
import type { PodClasses } from '../pool/classify.js';
import type { Plan } from '../pool/plan.js';
import type { PodView } from '../pool/pod-view.js';
import { reservationExpiry } from '../pool/reservation-expiry.js';
import { podForPool, poolOwnerReference } from './pod-factory.js';
import type { ReconcileDeps } from './reconcile.js';

export interface Acted {
  created: number;
  deletedSurplus: number;
  deleted: number;
  nextExpiryMs?: number | undefined;
}

/** Creates in growing batches (1, 2, 4, ...) like the ReplicaSet controller, stopping at the first failed batch. */
async function createInBatches(count: number, create: () => Promise<void>): Promise<{ created: number; error?: unknown }> {
  let created = 0;
  for (let batch = 1; created < count; batch = Math.min(batch * 2, 64)) {
    const size = Math.min(batch, count - created);
    const results = await Promise.allSettled(Array.from({ length: size }, () => create()));
    created += results.filter((r) => r.status === 'fulfilled').length;
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) return { created, error: failure.reason };
  }
  return { created };
}

export async function act(
  pool: PodPool,
  plan: Plan,
  classes: PodClasses,
  unstamped: readonly PodView[],
  admittedWithoutWebhook: readonly PodView[],
  byName: Map<string, V1Pod>,
  hash: string,
  nowMs: number,
  deps: ReconcileDeps,
  log: Logger,
  problems: string[],
): Promise<Acted> {
  const namespace = pool.metadata.namespace ?? '';
  const name = pool.metadata.name ?? '';
  const key = `${namespace}/${name}`;
  const acted: Acted = { created: 0, deletedSurplus: 0, deleted: 0 };

  // Reserved pods leave the pool's ownership (so deleting the pool or scaling it never removes
  // them) and get a reserved-at time when they were reserved by hand.
  for (const pod of classes.reserved) {
    const raw = byName.get(pod.name);
    const owned = raw?.metadata?.ownerReferences?.some((ref) => ref.uid === pool.metadata.uid) ?? false;
    const needsStamp = unstamped.includes(pod);
    if (owned || needsStamp) {
      const metadata: Record<string, unknown> = {};
      if (owned) metadata.ownerReferences = null;
      if (needsStamp) metadata.annotations = { [RESERVED_AT_ANNOTATION]: new Date(nowMs).toISOString() };
      await deps.writer.patchPodMetadata(namespace, pod.name, raw?.metadata?.resourceVersion, metadata);
    }
  }
  const { expired, nextExpiryInMs } = reservationExpiry(classes.reserved, nowMs);
  acted.nextExpiryMs = nextExpiryInMs;

  const deletions = [...plan.delete.map((d) => ({ pod: d.pod, reason: d.reason as string })), ...expired.map((pod) => ({ pod, reason: 'expired' }))];
  await Promise.all(
    deletions.map(async ({ pod, reason }) => {
      const raw = byName.get(pod.name);
      try {
        const outcome = await deps.writer.deletePod(namespace, pod.name, raw?.metadata?.uid, raw?.metadata?.resourceVersion);
        if (outcome === 'deleted') {
          deps.expectations.expectDelete(key, pod.name);
          podsDeletedTotal.inc({ namespace, pool: name, reason });
          acted.deleted += 1;
          if (reason === 'surplus') acted.deletedSurplus += 1;
        }
      } catch (error) {
        problems.push(`PodDeleteFailed: ${pod.name}: ${(error as Error).message}`);
      }
    }),
  );

  // One metadata patch per pod: a state change, the repair of a pod the webhook never saw (its
  // template hash, and the pool as controller owner when it has none, as a ReplicaSet adopts
  // orphans), or both.
  const patches = new Map<string, { labels: Record<string, string>; ownerReferences?: unknown[] }>();
  for (const pod of admittedWithoutWebhook) {
    const orphan = !(byName.get(pod.name)?.metadata?.ownerReferences ?? []).some((ref) => ref.controller === true);
    const patch: { labels: Record<string, string>; ownerReferences?: unknown[] } = { labels: { [TEMPLATE_HASH_LABEL]: hash } };
    if (orphan) patch.ownerReferences = [poolOwnerReference(pool)];
    patches.set(pod.name, patch);
  }
  for (const { pod, state } of plan.relabel) {
    const patch = patches.get(pod.name) ?? { labels: {} };
    patch.labels[STATE_LABEL] = state;
    patches.set(pod.name, patch);
  }
  const deletedNames = new Set(deletions.map((d) => d.pod.name));
  await Promise.all(
    [...patches].filter(([podName]) => !deletedNames.has(podName)).map(async ([podName, metadata]) => {
      const raw = byName.get(podName);
      try {
        await deps.writer.patchPodMetadata(namespace, podName, raw?.metadata?.resourceVersion, metadata);
      } catch (error) {
        log.warn({ pod: podName, err: (error as Error).message }, 'could not relabel a pod');
      }
    }),
  );

  if (plan.create > 0) {
    const template = podForPool(pool, hash);
    const result = await createInBatches(plan.create, async () => {
      const created = await deps.writer.createPod(namespace, template);
      deps.expectations.expectCreate(key, created);
      podsCreatedTotal.inc({ namespace, pool: name });
    });
    acted.created = result.created;
    if (result.error !== undefined) {
      const message = (result.error as { body?: unknown }).body ?? (result.error as Error).message;
      problems.push(`PodCreateFailed: ${typeof message === 'string' ? message : JSON.stringify(message)}`);
    }
  }
  return acted;
}
