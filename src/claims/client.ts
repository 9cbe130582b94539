/**
 * A PodPoolClaim as a caller makes one: create it, then wait (one watch on that claim, from the
 * version the create returned, so no change is missed between the two) until it settles in a phase
 * other than Pending. Used by `podpool claim` and the claim benchmark.
 */
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { CLAIM_KIND, CLAIM_PLURAL, type ClaimPhase, type PodPoolClaim, type PodPoolClaimSpec } from '../api/claim-schema.js';
import { API_GROUP, API_GROUP_VERSION, API_VERSION } from '../api/labels.js';
import { errorMessage, PodpoolError, type ErrorCode } from '../errors.js';
import { apiStatus, apiStatusMessage } from '../kube/api-status.js';

const ref = { group: API_GROUP, version: API_VERSION, plural: CLAIM_PLURAL };

/** A refused create, by the API server's status (404: the PodPoolClaim CRD is not installed, or the namespace is missing). */
const CREATE_ERROR_CODES: Record<number, ErrorCode> = {
  400: 'InvalidArgument',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  422: 'InvalidArgument',
};

export interface NewClaim {
  namespace: string;
  /** The claim's name; unset: generated from `generateName`. */
  name?: string | undefined;
  generateName?: string | undefined;
  spec: PodPoolClaimSpec;
}

export function claimManifest(claim: NewClaim): PodPoolClaim {
  const metadata = claim.name !== undefined ? { name: claim.name } : { generateName: claim.generateName ?? `${claim.spec.poolName}-` };
  return { apiVersion: API_GROUP_VERSION, kind: CLAIM_KIND, metadata: { ...metadata, namespace: claim.namespace }, spec: claim.spec };
}

/** A claim is settled once it leaves Pending: Bound, Expired or Failed. */
export function isSettled(claim: PodPoolClaim): boolean {
  const phase: ClaimPhase | undefined = claim.status?.phase;
  return phase !== undefined && phase !== 'Pending';
}

export interface ClaimWait {
  /** settled: Bound, Expired or Failed; pending: still waiting when the time ran out; deleted: someone deleted it. */
  kind: 'settled' | 'pending' | 'deleted';
  claim: PodPoolClaim;
}

export class ClaimClient {
  private readonly custom: CustomObjectsApi;
  private readonly watch: Watch;

  constructor(kubeConfig: KubeConfig) {
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.watch = new Watch(kubeConfig);
  }

  async create(claim: NewClaim): Promise<PodPoolClaim> {
    try {
      return (await this.custom.createNamespacedCustomObject({
        ...ref,
        namespace: claim.namespace,
        body: claimManifest(claim),
      })) as PodPoolClaim;
    } catch (error) {
      throw new PodpoolError(
        CREATE_ERROR_CODES[apiStatus(error) ?? 0] ?? 'Unavailable',
        `creating the PodPoolClaim: ${apiStatusMessage(error)}`,
        { cause: error },
      );
    }
  }

  async get(namespace: string, name: string): Promise<PodPoolClaim> {
    return (await this.custom.getNamespacedCustomObject({ ...ref, namespace, name })) as PodPoolClaim;
  }

  async delete(namespace: string, name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ ...ref, namespace, name });
  }

  /**
   * Waits until the claim is settled, deleted, or `timeoutMs` passes (then it answers the claim as
   * it last was). A watch the server ends (timeout, restart) is reopened after a fresh read, so no
   * change is lost.
   */
  async waitUntilSettled(claim: PodPoolClaim, timeoutMs: number): Promise<ClaimWait> {
    const namespace = claim.metadata.namespace ?? '';
    const name = claim.metadata.name ?? '';
    const deadline = Date.now() + timeoutMs;
    let wait: ClaimWait = { kind: isSettled(claim) ? 'settled' : 'pending', claim };
    while (wait.kind === 'pending' && Date.now() < deadline) {
      wait = await this.watchOnce(namespace, name, wait.claim, deadline - Date.now());
      if (wait.kind === 'pending' && Date.now() < deadline) wait = await this.reread(namespace, name, wait.claim);
    }
    return wait;
  }

  private async reread(namespace: string, name: string, last: PodPoolClaim): Promise<ClaimWait> {
    try {
      const claim = await this.get(namespace, name);
      return { kind: isSettled(claim) ? 'settled' : 'pending', claim };
    } catch (error) {
      if (apiStatus(error) === 404) return { kind: 'deleted', claim: last };
      throw new PodpoolError('Unavailable', `reading PodPoolClaim ${namespace}/${name}: ${errorMessage(error)}`, { cause: error });
    }
  }

  private watchOnce(namespace: string, name: string, from: PodPoolClaim, timeoutMs: number): Promise<ClaimWait> {
    return new Promise((resolve) => {
      let wait: ClaimWait = { kind: 'pending', claim: from };
      let request: { abort(): void } | undefined;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        request?.abort();
        resolve(wait);
      };
      const timer = setTimeout(finish, timeoutMs);
      this.watch
        .watch(
          `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${CLAIM_PLURAL}`,
          { fieldSelector: `metadata.name=${name}`, resourceVersion: from.metadata.resourceVersion },
          (type: string, object: PodPoolClaim) => {
            if (type === 'DELETED') wait = { kind: 'deleted', claim: object };
            else if (type === 'ADDED' || type === 'MODIFIED') wait = { kind: isSettled(object) ? 'settled' : 'pending', claim: object };
            if (wait.kind !== 'pending') finish();
          },
          () => finish(),
        )
        .then(
          (started) => {
            request = started;
            if (finished) started.abort();
          },
          () => finish(),
        );
    });
  }
}
