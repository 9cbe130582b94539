/** Every label, annotation and pod state podpool reads or writes, defined once. */

export const API_GROUP = 'podpool.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
export const KIND = 'PodPool';
export const PLURAL = 'podpools';
export const SINGULAR = 'podpool';
export const SHORT_NAMES = ['pp'];

/** Pool membership; also the /scale selector. */
export const POOL_LABEL = `${API_GROUP}/pool`;
/** Pod lifecycle within the pool: warming | ready | reserved. */
export const STATE_LABEL = `${API_GROUP}/state`;
/** Hash of the spec.podTemplate that made the pod. */
export const TEMPLATE_HASH_LABEL = `${API_GROUP}/template-hash`;
/** Who holds a reserved pod: the user the caller names (not verified). */
export const RESERVED_BY_ANNOTATION = `${API_GROUP}/reserved-by`;
/**
 * The authenticated Kubernetes username (from the TokenReview) of the caller that reserved the pod
 * through the reservation API. Only that caller may release the pod, unless RBAC grants the
 * release of others' reservations.
 */
export const RESERVED_BY_CALLER_ANNOTATION = `${API_GROUP}/reserved-by-caller`;
/** When a pod was reserved (RFC 3339). */
export const RESERVED_AT_ANNOTATION = `${API_GROUP}/reserved-at`;
/** Optional reservation time-to-live in seconds; the controller ends the session after it. */
export const RESERVATION_TTL_ANNOTATION = `${API_GROUP}/reservation-ttl-seconds`;

export const POD_STATES = ['warming', 'ready', 'reserved'] as const;
export type PodState = (typeof POD_STATES)[number];

/** The /scale selector: the pool's warm pods (warming and ready), never the reserved ones. */
export function warmPodSelector(poolName: string): string {
  return `${POOL_LABEL}=${poolName},${STATE_LABEL} in (ready,warming)`;
}
