/**
 * A second opinion before a pod is denied for naming an unknown pool: a PodPool created a moment
 * ago may not have reached this replica's cache while the leader already creates its pods. One
 * live GET decides: 404 keeps the denial; a pool found stamps the pod from it; an API server that
 * does not answer in time admits the pod unstamped with a warning (fail open, as failurePolicy
 * Ignore does when no replica answers; the controller labels the pod if the pool turns up).
 * Every other request is decided from the cache alone.
 */
import type { PodPool } from '../api/schema.js';
import { errorMessage } from '../errors.js';
import type { PodPoolReader } from '../kube/pool-reader.js';
import { decideAdmission, type AdmissionDecision } from './admission.js';
import type { LivePoolReader } from './live-pool-reader.js';
import type { AdmissionRequest } from './review.js';

function onlyPool(pool: PodPool): PodPoolReader {
  return {
    getPool: (namespace, name) => (pool.metadata.namespace === namespace && pool.metadata.name === name ? pool : undefined),
    hasSynced: () => true,
  };
}

export async function confirmAdmission(
  request: AdmissionRequest,
  pools: PodPoolReader,
  live: LivePoolReader | undefined,
): Promise<AdmissionDecision> {
  const decision = decideAdmission(request, pools);
  const unknown = decision.unknownPool;
  if (unknown === undefined || live === undefined) return decision;
  let found: PodPool | undefined;
  try {
    found = await live.readPool(unknown.namespace, unknown.name);
  } catch (error) {
    return {
      outcome: 'allowed',
      poolKey: decision.poolKey,
      reason: `PodPool ${decision.poolKey} is not in the cache and the API server could not confirm it (${errorMessage(error)}); admitted unstamped`,
      warnings: [
        `podpool webhook: PodPool ${decision.poolKey} could not be checked and labels were not stamped; the podpool controller will label the pod if the pool exists`,
      ],
    };
  }
  if (found === undefined) return decision;
  const confirmed = decideAdmission(request, onlyPool(found));
  return { ...confirmed, reason: `${confirmed.reason} (PodPool read from the API server; not in the cache yet)` };
}
