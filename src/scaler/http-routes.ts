/** The scaler's HTTP twin for KEDA's metrics-api trigger (valueLocation: desiredReplicas). */
import { Router } from 'express';
import { errorMessage, PodpoolError } from '../errors.js';
import { scalerRequestDuration, scalerRequestsTotal } from '../metrics.js';
import type { ScalerService } from './service.js';

const STATUS: Record<string, number> = { NotFound: 404, InvalidArgument: 400, Unavailable: 503 };
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function scalerHttpRouter(service: ScalerService): Router {
  const router = Router();
  router.get('/scaler/v1/namespaces/:namespace/podpools/:name', (req, res) => {
    const stopTimer = scalerRequestDuration.startTimer({ rpc: 'http' });
    const { namespace, name } = req.params;
    try {
      if (!NAME.test(namespace) || !NAME.test(name)) throw new PodpoolError('InvalidArgument', 'namespace and name must be valid Kubernetes names');
      const answer = service.answer({ namespace, name });
      const r = answer.recommendation;
      res.json({
        metricName: answer.metricName,
        desiredReplicas: answer.desiredReplicas,
        active: answer.active,
        velocity: r.velocity,
        acceleration: r.acceleration,
        mode: r.mode,
        reason: r.reason,
      });
      scalerRequestsTotal.inc({ rpc: 'http', outcome: '2xx' });
    } catch (error) {
      const status = error instanceof PodpoolError ? (STATUS[error.code] ?? 500) : 500;
      res.status(status).json({ error: error instanceof PodpoolError ? error.code : 'Internal', message: errorMessage(error) });
      scalerRequestsTotal.inc({ rpc: 'http', outcome: `${Math.floor(status / 100)}xx` });
    } finally {
      stopTimer();
    }
  });
  return router;
}
