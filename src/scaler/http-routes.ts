/**
 * The scaler's HTTP twin for KEDA's metrics-api trigger: the same answer as GetMetrics, as JSON
 * (valueLocation `desiredReplicas`). KEDA accepts only status 200, so every failure is a non-200
 * with a JSON body saying why.
 */
import { Router, type Response } from 'express';
import { errorMessage, PodpoolError, type ErrorCode } from '../errors.js';
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

function sendError(res: Response, error: unknown): number {
  const status = error instanceof PodpoolError ? (HTTP_STATUS_BY_CODE[error.code] ?? 500) : 500;
  if (status === 503) res.set('Retry-After', '1');
  res.status(status).json({ error: error instanceof PodpoolError ? error.code : 'Internal', message: errorMessage(error) });
  return status;
}

export function scalerHttpRouter(service: ScalerService): Router {
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
      status = sendError(res, error);
    } finally {
      scalerRequestsTotal.inc({ rpc: 'http', outcome: `${Math.floor(status / 100)}xx` });
      stopTimer();
    }
  });
  // Anything else under /scaler is a wrong URL in a trigger: say so in JSON, as KEDA logs the body.
  router.use('/scaler', (req, res) => {
    scalerRequestsTotal.inc({ rpc: 'http', outcome: '4xx' });
    res.status(404).json({ error: 'NotFound', message: `no scaler route ${req.method} ${req.originalUrl}; use GET /scaler/v1/namespaces/{namespace}/podpools/{name}` });
  });
  return router;
}

export const createScalerHttpRouter = scalerHttpRouter;
