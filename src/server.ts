/** The plain-HTTP app every replica serves: Prometheus metrics, liveness and readiness, plus any extra routes (the scaler's HTTP twin). */
import express, { type Router } from 'express';
import type { Server } from 'node:http';
import { jsonErrorHandler, jsonNotFound } from './http-errors.js';
import { logger as processLogger, type Logger } from './log.js';
import { registry } from './metrics.js';

export interface HealthSource {
  /** Ready to serve: caches synced and watching. */
  ready(): { ok: boolean; detail: string };
}

export interface MetricsAppOptions {
  log?: Logger;
}

export function metricsAndHealthApp(health: HealthSource, extraRoutes: Router[] = [], options: MetricsAppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const { ok, detail } = health.ready();
    res
      .status(ok ? 200 : 503)
      .type('text/plain')
      .send(detail);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  for (const router of extraRoutes) app.use(router);
  // Whatever the routes above leave, answered in JSON rather than express's HTML page (with its stack trace).
  app.use(jsonNotFound('this port serves GET /healthz, /readyz and /metrics'));
  app.use(jsonErrorHandler({ log: (options.log ?? processLogger).child({ component: 'http' }) }));
  return app;
}

export function listen(app: express.Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.on('error', reject);
  });
}

export function closeServer(server: Server | undefined): Promise<void> {
  if (server === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
