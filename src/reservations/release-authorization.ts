/**
 * Who may end a reservation: the caller that made it (the authenticated Kubernetes user recorded
 * on the pod when it was reserved), or a caller RBAC grants `release-any` on the pool's
 * reservations. A reserved pod without a recorded caller (reserved by hand with kubectl, or
 * before podpool recorded callers) belongs to no caller, so only that grant releases it.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { RESERVED_BY_CALLER_ANNOTATION } from '../api/labels.js';
import { PodpoolError } from '../errors.js';
import { RELEASE_ANY_VERB } from './auth.js';

export interface Releaser {
  /** The authenticated Kubernetes username of the caller asking to release. */
  username: string;
  /** Whether RBAC grants the caller the release of others' reservations; asked only when needed. */
  mayReleaseOthers(): Promise<boolean>;
}

/** A releaser that may end only its own reservations (the API undoing a reservation nobody heard of). */
export function ownReservationsOnly(username: string): Releaser {
  return { username, mayReleaseOthers: async () => false };
}

export function reservingCallerOf(pod: V1Pod): string | undefined {
  return pod.metadata?.annotations?.[RESERVED_BY_CALLER_ANNOTATION] || undefined;
}

/** Resolves when the releaser may end the reservation of this reserved pod; throws Forbidden otherwise. */
export async function authorizeRelease(pod: V1Pod, releaser: Releaser): Promise<void> {
  const reservingCaller = reservingCallerOf(pod);
  if (reservingCaller === releaser.username) return;
  if (await releaser.mayReleaseOthers()) return;
  const why = reservingCaller === undefined ? 'no caller was recorded when it was reserved' : 'another caller reserved it';
  throw new PodpoolError(
    'Forbidden',
    `user ${JSON.stringify(releaser.username)} cannot release ${pod.metadata?.name ?? 'the pod'}: ${why}; ` +
      `releasing others' reservations needs RBAC verb ${RELEASE_ANY_VERB} on podpools/reservations`,
  );
}
