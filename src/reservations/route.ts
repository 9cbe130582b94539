/**
 * The reservations HTTP API (express 5):
 *   POST   /api/v1/namespaces/:namespace/podpools/:name/reservations[?wait=30s]  {user, ttlSeconds?}
 *   GET    /api/v1/namespaces/:namespace/podpools/:name/reservations
 *   DELETE /api/v1/namespaces/:namespace/podpools/:name/reservations/:pod
 * Every request is authenticated and authorized before anything else is read or written; a
 * release is further limited to the caller that reserved the pod, or a holder of `release-any`.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { PodpoolError } from '../errors.js';
import { jsonNotFound } from '../http-errors.js';
import { logger as defaultLogger, type Logger } from '../log.js';
import { RELEASE_ANY_VERB, type Authenticator, type ReservationVerb, type UserInfo } from './auth.js';
import { sendError } from './errors.js';
import type { ReservationPodSource } from './pod-source.js';
import { ownReservationsOnly } from './release-authorization.js';
import { parseObjectName, parseReserveBody, parseWait } from './request-body.js';
import type { ReservationPodWriter } from './reserve.js';
import { ReservationService, type ReservationOptions } from './service.js';
import type { UnmetDemandRecorder } from './unmet-demand.js';
import type { Clock } from '../clock.js';

export const RESERVATIONS_PATH = '/api/v1/namespaces/:namespace/podpools/:name/reservations';
export const DEFAULT_BODY_LIMIT = '8kb';
const PUBLIC_PATH = '/api/v1/namespaces/{namespace}/podpools/{pool}/reservations';

export interface ReservationsRouterDeps {
  /** The process's informer cache (a ClusterCache fits). */
  source: ReservationPodSource;
  writer: ReservationPodWriter;
  authenticator: Authenticator;
  /** Where requests that find no ready pod are counted; without it the controller sees only served ones. */
  unmetDemand?: UnmetDemandRecorder | undefined;
  log?: Logger;
  options?: Partial<ReservationOptions & { bodyLimit: string }>;
  clock?: Clock;
  random?: () => number;
}

interface PoolTarget {
  namespace: string;
  pool: string;
  user: UserInfo;
  /** Whether the same caller may also do `verb` on the pool's reservations (one more SubjectAccessReview, cached). */
  mayAlso(verb: ReservationVerb): Promise<boolean>;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function poolTarget(response: Response): PoolTarget {
  return response.locals.target as PoolTarget;
}

/** 401 without a valid token, 403 without RBAC permission; otherwise records the target pool. */
function requireAccess(authenticator: Authenticator, verb: ReservationVerb) {
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    const token = BEARER.exec(request.get('authorization') ?? '')?.[1];
    if (token === undefined) throw new PodpoolError('Unauthenticated', 'send a Kubernetes bearer token: Authorization: Bearer <token>');
    const namespace = parseObjectName(request.params.namespace as string | undefined, 'namespace');
    const pool = parseObjectName(request.params.name as string | undefined, 'pool');
    const decision = await authenticator.check(token, { verb, namespace, pool });
    if (decision.kind === 'unauthenticated') throw new PodpoolError('Unauthenticated', `the bearer token was rejected: ${decision.reason}`);
    if (decision.kind === 'forbidden') {
      const because = decision.reason ? `: ${decision.reason}` : '';
      throw new PodpoolError(
        'Forbidden',
        `user ${JSON.stringify(decision.user.username)} cannot ${verb} podpools/reservations of ${namespace}/${pool}${because}`,
      );
    }
    const mayAlso = async (other: ReservationVerb): Promise<boolean> =>
      (await authenticator.check(token, { verb: other, namespace, pool })).kind === 'allowed';
    response.locals.target = { namespace, pool, user: decision.user, mayAlso } satisfies PoolTarget;
    next();
  };
}

/** Aborted when the client disconnects before we answer, so a waiting request stops waiting. */
function clientGone(response: Response): AbortSignal {
  const controller = new AbortController();
  response.on('close', () => {
    if (!response.writableEnded) controller.abort();
  });
  return controller.signal;
}

export function createReservationsRouter(deps: ReservationsRouterDeps): Router {
  const log = deps.log ?? defaultLogger.child({ role: 'reservations' });
  const service = new ReservationService(deps);
  const router = express.Router();
  const readJson = express.json({ limit: deps.options?.bodyLimit ?? DEFAULT_BODY_LIMIT });

  router.post(RESERVATIONS_PATH, requireAccess(deps.authenticator, 'create'), readJson, async (request, response) => {
    const { namespace, pool, user } = poolTarget(response);
    const body = parseReserveBody(request.body);
    const waitMs = parseWait(request.query.wait, service.options.maxWaitSeconds);
    const gone = clientGone(response);
    const { reservation, outcome } = await service.reserve({ namespace, pool, ...body, caller: user.username }, waitMs, gone);
    if (gone.aborted) {
      // Nobody will hear of this pod: end the session rather than leave it reserved for no one.
      await service
        .release(namespace, pool, reservation.pod, ownReservationsOnly(user.username))
        .catch((error: unknown) => log.warn({ err: error, pod: reservation.pod }, 'could not undo a reservation'));
      log.warn({ namespace, pool, pod: reservation.pod, user: body.user }, 'the client went away before the answer; reservation undone');
      return;
    }
    log.info({ namespace, pool, pod: reservation.pod, user: body.user, caller: user.username, outcome }, 'pod reserved');
    response
      .status(201)
      .location(`${request.baseUrl}${request.path}/${encodeURIComponent(reservation.pod)}`)
      .json({ ...reservation, outcome });
  });

  router.get(RESERVATIONS_PATH, requireAccess(deps.authenticator, 'list'), (_request, response) => {
    const { namespace, pool } = poolTarget(response);
    response.json({ items: service.list(namespace, pool) });
  });

  router.delete(`${RESERVATIONS_PATH}/:pod`, requireAccess(deps.authenticator, 'delete'), async (request, response) => {
    const { namespace, pool, user, mayAlso } = poolTarget(response);
    const podName = parseObjectName(request.params.pod as string | undefined, 'pod');
    const releaser = { username: user.username, mayReleaseOthers: () => mayAlso(RELEASE_ANY_VERB) };
    const reservation = await service.release(namespace, pool, podName, releaser);
    log.info({ namespace, pool, pod: podName, user: reservation.user, caller: user.username }, 'reservation released');
    response.json({ ...reservation, released: true });
  });

  // The router is the whole reservations server: anything it does not serve is a JSON 404, not express's HTML page.
  router.use(jsonNotFound(`the reservations API serves POST and GET ${PUBLIC_PATH} and DELETE ${PUBLIC_PATH}/{pod}`));
  router.use((error: unknown, request: Request, response: Response, _next: NextFunction) => sendError(request, response, error, log));
  return router;
}
