/** The reservation writes against the API server: a guarded merge patch, a read, a uid-guarded delete. */
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { RESERVED_AT_ANNOTATION, RESERVED_BY_ANNOTATION, RESERVED_BY_CALLER_ANNOTATION, STATE_LABEL } from '../api/labels.js';
import { apiStatus } from '../kube/api-status.js';
import { rawPodMergePatch, type PodMergePatch } from '../kube/raw-pod-patch.js';
import { errorMessage, PodpoolError } from '../errors.js';
import { reservationPatch, type ReservationPodWriter, type ReservationWrite, type ReservationWriteResult } from './reserve.js';

export const RESERVATIONS_FIELD_MANAGER = 'podpool-reservations';

function isThisReservation(pod: V1Pod, write: ReservationWrite): boolean {
  const annotations = pod.metadata?.annotations ?? {};
  return (
    pod.metadata?.labels?.[STATE_LABEL] === 'reserved' &&
    annotations[RESERVED_BY_ANNOTATION] === write.user &&
    annotations[RESERVED_BY_CALLER_ANNOTATION] === write.caller &&
    annotations[RESERVED_AT_ANNOTATION] === write.reservedAt
  );
}

type PodApi = Pick<CoreV1Api, 'patchNamespacedPod' | 'readNamespacedPod' | 'deleteNamespacedPod'>;

/** API server trouble is Unavailable (retry later); anything else, e.g. missing RBAC, is Internal. */
function writeFailure(action: string, error: unknown): PodpoolError {
  const status = apiStatus(error);
  const code = status === undefined || status >= 500 || status === 429 ? 'Unavailable' : 'Internal';
  const detail = status === undefined ? errorMessage(error) : `HTTP ${status}`;
  return new PodpoolError(code, `${action} failed: ${detail}`, { cause: error });
}

/** The patch through client-node's typed API (as tests hand in a fake CoreV1Api). */
function typedMergePatch(pods: PodApi): PodMergePatch {
  return (namespace, name, body, fieldManager) =>
    pods.patchNamespacedPod({ name, namespace, body, fieldManager }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

export class KubeReservationPodWriter implements ReservationPodWriter {
  constructor(
    private readonly pods: PodApi,
    private readonly mergePatch: PodMergePatch = typedMergePatch(pods),
  ) {}

  static fromKubeConfig(kubeConfig: KubeConfig): KubeReservationPodWriter {
    return new KubeReservationPodWriter(kubeConfig.makeApiClient(CoreV1Api), rawPodMergePatch(kubeConfig));
  }

  async reserve(write: ReservationWrite): Promise<ReservationWriteResult> {
    try {
      const pod = await this.mergePatch(write.namespace, write.podName, reservationPatch(write), RESERVATIONS_FIELD_MANAGER);
      return { kind: 'reserved', pod };
    } catch (error) {
      const status = apiStatus(error);
      if (status === 409) return { kind: 'conflict' };
      if (status === 404) return { kind: 'gone' };
      const failure = writeFailure(`reserving pod ${write.namespace}/${write.podName}`, error);
      // No answer, or a server error: the patch may have landed all the same. If it did, it is
      // this reservation (same user, caller and reserved-at), and the caller must get it, not a 503.
      if (status === undefined || status >= 500) {
        const landed = await this.read(write.namespace, write.podName).catch(() => undefined);
        if (landed !== undefined && isThisReservation(landed, write)) return { kind: 'reserved', pod: landed };
      }
      throw failure;
    }
  }

  async read(namespace: string, podName: string): Promise<V1Pod | undefined> {
    try {
      return await this.pods.readNamespacedPod({ name: podName, namespace });
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw writeFailure(`reading pod ${namespace}/${podName}`, error);
    }
  }

  async delete(namespace: string, podName: string, uid: string): Promise<'deleted' | 'gone'> {
    try {
      await this.pods.deleteNamespacedPod({ name: podName, namespace, body: { preconditions: { uid } } });
      return 'deleted';
    } catch (error) {
      // 409 here means the uid precondition failed: the pod of that name is another pod now.
      const status = apiStatus(error);
      if (status === 404 || status === 409) return 'gone';
      throw writeFailure(`deleting pod ${namespace}/${podName}`, error);
    }
  }
}
