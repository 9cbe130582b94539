/** The reservation API: hands one ready pod to one user, atomically, to authorized callers. */
export {
  KubeAuthenticator,
  type AccessDecision,
  type AccessRequest,
  type Authenticator,
  type KubeAuthenticatorOptions,
  type UserInfo,
} from './auth.js';
export { ReservationsClient, type ReservationsClientOptions } from './client.js';
export { KubeReservationPodWriter } from './kube-pod-writer.js';
export { KubeUnmetDemandWriter } from './kube-unmet-demand-writer.js';
export type { ReservationPodSource } from './pod-source.js';
export type { Reservation } from './reservation.js';
export type { ReservationPodWriter, ReservationWrite, ReservationWriteResult } from './reserve.js';
export { createReservationsRouter, RESERVATIONS_PATH, type ReservationsRouterDeps } from './route.js';
export { DEFAULT_RESERVATION_OPTIONS, ReservationService, type ReservationOptions } from './service.js';
export { UnmetDemandRecorder, type UnmetDemandWriter } from './unmet-demand.js';
