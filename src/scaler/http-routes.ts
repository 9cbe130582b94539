/**
 * The scaler's HTTP twin for KEDA's metrics-api trigger: the same answer as GetMetrics, as JSON
 * (valueLocation `desiredReplicas`). KEDA accepts only status 200, so every failure is a non-200
 * with a JSON body saying why, a malformed URL included (never express's HTML error page).
 */
import { Router, type Request, type Response } from 'express';
import { errorMessage, PodpoolError, type ErrorCode } from '../errors.js';
import { jsonErrorHandler, jsonNotFound, logRejectedRequest, type ErrorBody } from '../http-errors.js';
import { excerpt, logger as processLogger, MAX_MESSAGE_CHARS, type Logger } from '../log.js';
import { scalerRequestDuration, scalerRequestsTotal } from '../metrics.js';
import { poolRefFromPath } from './pool-ref.js';
import type { ScalerService } from './service.js';

export const SCALER_HTTP_PATH = '/scaler/v1/namespaces/:namespace/podpools/:name';

const HTTP_STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = { InvalidArgument: 400, NotFound: 404, InvalidSpec: 422, Unavailable: 503 };

export interface ScalerHttpAnswer {
  metricName: string;
  desiredReplicas: number;
  active: boolean;
  velocity: number;
  acceleration: number;
  mode: string;
  reason: string;
}

export interface ScalerHttpOptions {
  log?: Logger;
}

function countAnswer(status: number): void {
  scalerRequestsTotal.inc({ rpc: 'http', outcome: `${Math.floor(status / 100)}xx` });
}

function sendError(req: Request, res: Response, error: unknown, log: Logger): number {
  const status = error instanceof PodpoolError ? (HTTP_STATUS_BY_CODE[error.code] ?? 500) : 500;
  // A name that is not a name repeats in the message; the path it came from can be kilobytes long.
  const message = excerpt(errorMessage(error), MAX_MESSAGE_CHARS);
  if (status === 400) logRejectedRequest(log, req, status, message);
  if (status === 503) res.set('Retry-After', '1');
  res.status(status).json({ error: error instanceof PodpoolError ? error.code : 'Internal', message } satisfies ErrorBody);
  return status;
}

export function scalerHttpRouter(service: ScalerService, options: ScalerHttpOptions = {}): Router {
  const log = (options.log ?? processLogger).child({ component: 'scaler-http' });
  const router = Router();
  router.get(SCALER_HTTP_PATH, (req, res) => {
    const stopTimer = scalerRequestDuration.startTimer({ rpc: 'http' });
    let status = 200;
    res.set('Cache-Control', 'no-store');
    try {
      const answer = service.answer(poolRefFromPath(req.params.namespace, req.params.name));
      const body: ScalerHttpAnswer = {
        metricName: answer.metricName,
        desiredReplicas: answer.desiredReplicas,
        active: answer.active,
        velocity: answer.recommendation.velocity,
        acceleration: answer.recommendation.acceleration,
        mode: answer.recommendation.mode,
        reason: answer.recommendation.reason,
      };
      res.json(body);
    } catch (error) {
      status = sendError(req, res, error, log);
    } finally {
      countAnswer(status);
      stopTimer();
    }
  });
  // Anything else under /scaler is a wrong URL in a trigger: say so in JSON, as KEDA logs the body.
  router.use('/scaler', jsonNotFound('use GET /scaler/v1/namespaces/{namespace}/podpools/{name}', countAnswer));
  // Errors raised before the handler runs, such as a path segment whose percent-escape does not decode.
  router.use('/scaler', jsonErrorHandler({ log, onAnswer: countAnswer }));
  return router;
}
