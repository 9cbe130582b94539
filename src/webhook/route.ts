/**
 * POST /mutate-v1-pod: the HTTP edge of the webhook. Everything that can be wrong with a request
 * (content type, encoding, size, JSON, AdmissionReview shape) is answered here with a 400, a JSON
 * `{"error"}` saying what was wrong, and one log line; nothing a client sends can throw past
 * this router.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { PodpoolError, errorMessage } from '../errors.js';
import { requestInputError } from '../http-errors.js';
import type { PodPoolReader } from '../kube/pool-reader.js';
import { excerpt, loggedError, logger as processLogger, MAX_MESSAGE_CHARS, type Logger } from '../log.js';
import { admissionDuration, admissionRequestsTotal } from '../metrics.js';
import { admissionResponse } from './admission.js';
import { MUTATE_POD_PATH } from './configuration.js';
import type { LivePoolReader } from './live-pool-reader.js';
import { confirmAdmission } from './pool-confirmation.js';
import { admissionReviewBody, parseAdmissionReview } from './review.js';

/** The API server refuses request bodies over 3 MiB, so no genuine AdmissionReview is larger. */
export const MAX_ADMISSION_BODY_BYTES = 3 * 1024 * 1024;

export interface WebhookRouteOptions {
  pools: PodPoolReader;
  /** Confirms with the API server that a pool missing from the cache is really absent before denying; without it, the cache decides. */
  livePools?: LivePoolReader | undefined;
  log?: Logger;
  maxBodyBytes?: number;
}

type MetricOutcome = 'patched' | 'allowed' | 'denied' | 'bad_request' | 'error';

const START_TIME = Symbol('admissionStart');
type TimedResponse = Response & { [START_TIME]?: bigint };

function record(res: TimedResponse, outcome: MetricOutcome): void {
  admissionRequestsTotal.inc({ outcome });
  const start = res[START_TIME];
  if (start !== undefined) admissionDuration.observe({ outcome }, Number(process.hrtime.bigint() - start) / 1e9);
}

function reject(res: Response, status: number, message: string): void {
  record(res, status >= 500 ? 'error' : 'bad_request');
  res.status(status).json({ error: message });
}

export function webhookRouter(options: WebhookRouteOptions): Router {
  const log = (options.log ?? processLogger).child({ component: 'webhook' });
  const router = express.Router();
  const parseJson = express.json({
    limit: options.maxBodyBytes ?? MAX_ADMISSION_BODY_BYTES,
    strict: true,
    // The API server never compresses AdmissionReviews; refusing encodings rules out zip bombs.
    inflate: false,
    type: () => true,
  });

  function clientError(req: Request, res: Response, status: number, reason: string): void {
    const bounded = excerpt(reason, MAX_MESSAGE_CHARS);
    log.warn({ status, reason: bounded, remoteAddress: req.socket.remoteAddress }, 'rejected admission request');
    reject(res, status, bounded);
  }

  router.post(
    MUTATE_POD_PATH,
    (req: Request, res: TimedResponse, next: NextFunction) => {
      res[START_TIME] = process.hrtime.bigint();
      // Checked first: the JSON parser would turn an empty body into {} and blur the message.
      if (req.headers['content-length'] === '0') return clientError(req, res, 400, 'the request has no body; send an AdmissionReview');
      const matched = req.is('application/json');
      if (matched === 'application/json') return next();
      if (matched === null) return clientError(req, res, 400, 'the request has no body; send an AdmissionReview');
      const contentType = req.headers['content-type'];
      if (contentType === undefined) return clientError(req, res, 400, 'Content-Type application/json is required');
      clientError(req, res, 400, `Content-Type must be application/json, got ${JSON.stringify(contentType.slice(0, 100))}`);
    },
    parseJson,
    async (req: Request, res: TimedResponse) => {
      let request;
      try {
        request = parseAdmissionReview(req.body);
      } catch (error) {
        if (error instanceof PodpoolError) return clientError(req, res, 400, `invalid AdmissionReview: ${error.message}`);
        throw error;
      }
      const decision = await confirmAdmission(request, options.pools, options.livePools);
      const response = admissionResponse(request.uid, decision);
      const fields = {
        uid: request.uid,
        pool: decision.poolKey,
        outcome: decision.outcome,
        reason: decision.reason,
        dryRun: request.dryRun,
      };
      if (decision.outcome === 'denied') log.info(fields, 'denied pod');
      else if (decision.warnings !== undefined) log.info(fields, 'admitted pod with a warning');
      else log.debug(fields, 'admitted pod');
      record(res, decision.outcome);
      res.status(200).json(admissionReviewBody(response));
    },
  );

  router.all(MUTATE_POD_PATH, (req: Request, res: TimedResponse) => {
    res.set('Allow', 'POST');
    clientError(req, res, 405, `method ${req.method} not allowed; use POST`);
  });

  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    // Every malformed request is a 400 (not the parser's 413 or 415); its error type says what was wrong.
    const input = requestInputError(error);
    if (input !== undefined) {
      const reason =
        input.type === 'entity.too.large' ? `body larger than ${options.maxBodyBytes ?? MAX_ADMISSION_BODY_BYTES} bytes` : input.message;
      return clientError(req, res, 400, input.type === undefined ? reason : `${input.type}: ${reason}`);
    }
    log.error({ err: loggedError(error), path: excerpt(req.path) }, 'admission handler failed');
    reject(res, 500, `internal error: ${excerpt(errorMessage(error), MAX_MESSAGE_CHARS)}`);
  });

  return router;
}

/** A standalone express app serving only the webhook, with JSON answers for unknown paths. */
export function webhookApp(options: WebhookRouteOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // An AdmissionReview answer is never cached; hashing every body for an ETag is wasted work.
  app.set('etag', false);
  app.use(webhookRouter(options));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: `not found; the webhook serves POST ${MUTATE_POD_PATH}` });
  });
  return app;
}
