/**
 * POST /mutate-v1-pod: the HTTP edge of the webhook, a plain node:http request listener.
 * Everything that can be wrong with a request (method, path, content type, encoding, size, JSON,
 * AdmissionReview shape) is answered here with a 400 (405, 404), a JSON `{"error"}` saying what
 * was wrong, and one log line; nothing a client sends can throw past this listener.
 *
 * Not express: the API server calls this path on every pool pod's creation and waits for the
 * answer, and express's router, middleware chain and body parser cost about 0.1 ms at the median
 * on top of Node's own 0.2-0.3 ms (1.5x a bare server in `npm run bench:webhook`). The one route
 * needs none of them: the body is read into one buffer under the size limit and parsed once.
 * The error messages keep the body parser's error types (entity.parse.failed, entity.too.large,
 * encoding.unsupported) that clients and tests already match.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { PodpoolError, errorMessage } from '../errors.js';
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

/** A request the listener refuses, with the status and the message the client is told. */
class RejectedRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The path without its query (the API server appends `?timeout=10s`) and without a trailing slash. */
function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  const path = query === -1 ? raw : raw.slice(0, query);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Why the request's headers rule out an AdmissionReview body, or undefined when they do not. */
function headerProblem(req: IncomingMessage, maxBytes: number): string | undefined {
  const { headers } = req;
  // Checked first: an empty body is not an AdmissionReview whatever its headers claim.
  if (headers['content-length'] === '0') return 'the request has no body; send an AdmissionReview';
  const hasBody = headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
  const contentType = headers['content-type'];
  if (contentType === undefined)
    return hasBody ? 'Content-Type application/json is required' : 'the request has no body; send an AdmissionReview';
  const [mediaType = '', ...parameters] = contentType.split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') {
    return `Content-Type must be application/json, got ${JSON.stringify(contentType.slice(0, 100))}`;
  }
  if (!hasBody) return 'the request has no body; send an AdmissionReview';
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    const charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
    if (name.trim().toLowerCase() === 'charset' && charset !== 'utf-8' && charset !== 'utf8') {
      return `charset.unsupported: unsupported charset ${JSON.stringify(charset.slice(0, 40).toUpperCase())}`;
    }
  }
  // The API server never compresses AdmissionReviews; refusing encodings rules out zip bombs.
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return `encoding.unsupported: unsupported content encoding ${JSON.stringify(encoding.slice(0, 40))}`;
  }
  const length = Number(headers['content-length']);
  if (Number.isFinite(length) && length > maxBytes) return `entity.too.large: body larger than ${maxBytes} bytes`;
  return undefined;
}

/** The body, read whole; rejects past `maxBytes` without buffering the rest. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        // Drain what the client still sends so the connection can carry the answer.
        req.resume();
        reject(new RejectedRequest(400, `entity.too.large: body larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    // The client went away mid-body: its fault, not the webhook's (answered and logged as a 400).
    req.once('error', (error) => reject(new RejectedRequest(400, `the request body was cut off: ${errorMessage(error)}`)));
  });
}

/** JSON.parse, strict as body-parser's: only an object or an array is a body. */
function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new RejectedRequest(400, 'the request has no body; send an AdmissionReview');
  const text = body.toString('utf8');
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') {
    throw new RejectedRequest(400, `entity.parse.failed: the body must be a JSON object, got ${JSON.stringify(excerpt(text, 40))}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RejectedRequest(400, `entity.parse.failed: ${errorMessage(error)}`);
  }
}

/** The webhook's request listener (for node:https, or mounted in front of anything else). */
export function webhookHandler(options: WebhookRouteOptions): RequestListener {
  const log = (options.log ?? processLogger).child({ component: 'webhook' });
  const maxBytes = options.maxBodyBytes ?? MAX_ADMISSION_BODY_BYTES;

  function record(startNs: bigint, outcome: MetricOutcome): void {
    admissionRequestsTotal.inc({ outcome });
    admissionDuration.observe({ outcome }, Number(process.hrtime.bigint() - startNs) / 1e9);
  }

  function clientError(req: IncomingMessage, res: ServerResponse, startNs: bigint, status: number, reason: string): void {
    const bounded = excerpt(reason, MAX_MESSAGE_CHARS);
    log.warn({ status, reason: bounded, remoteAddress: req.socket.remoteAddress }, 'rejected admission request');
    record(startNs, 'bad_request');
    sendJson(res, status, { error: bounded }, status === 405 ? { allow: 'POST' } : {});
  }

  async function admit(req: IncomingMessage, res: ServerResponse, startNs: bigint): Promise<void> {
    const problem = headerProblem(req, maxBytes);
    if (problem !== undefined) {
      req.resume();
      return clientError(req, res, startNs, 400, problem);
    }
    let request;
    try {
      request = parseAdmissionReview(parseJsonBody(await readBody(req, maxBytes)));
    } catch (error) {
      if (error instanceof RejectedRequest) return clientError(req, res, startNs, error.status, error.message);
      if (error instanceof PodpoolError) return clientError(req, res, startNs, 400, `invalid AdmissionReview: ${error.message}`);
      throw error;
    }
    const decision = await confirmAdmission(request, options.pools, options.livePools);
    const response = admissionResponse(request.uid, decision);
    const fields = { uid: request.uid, pool: decision.poolKey, outcome: decision.outcome, reason: decision.reason, dryRun: request.dryRun };
    if (decision.outcome === 'denied') log.info(fields, 'denied pod');
    else if (decision.warnings !== undefined) log.info(fields, 'admitted pod with a warning');
    else log.debug(fields, 'admitted pod');
    record(startNs, decision.outcome);
    sendJson(res, 200, admissionReviewBody(response));
  }

  return (req, res) => {
    const startNs = process.hrtime.bigint();
    if (pathOf(req.url) !== MUTATE_POD_PATH) {
      req.resume();
      sendJson(res, 404, { error: `not found; the webhook serves POST ${MUTATE_POD_PATH}` });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      clientError(req, res, startNs, 405, `method ${req.method ?? ''} not allowed; use POST`);
      return;
    }
    admit(req, res, startNs).catch((error: unknown) => {
      log.error({ err: loggedError(error), path: excerpt(req.url ?? '') }, 'admission handler failed');
      record(startNs, 'error');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, 500, { error: `internal error: ${excerpt(errorMessage(error), MAX_MESSAGE_CHARS)}` });
    });
  };
}
