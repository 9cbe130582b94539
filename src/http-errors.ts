/**
 * Malformed requests at the HTTP edges (webhook, reservations, the metrics port with the scaler's
 * twin), told apart from bugs and answered alike. Express and its body parser reject bad input by
 * throwing errors that carry a 4xx status: a body that is not JSON, too large, or not the gzip its
 * Content-Encoding claims; a path whose percent-escape does not decode. Unhandled, express answers
 * those with its HTML error page, stack trace included; handlers that know only the parser's
 * typed errors answer 500. Their messages may repeat the input whole, so what is answered and
 * logged is bounded.
 */
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { ErrorCode } from './errors.js';
import { excerpt, loggedError, MAX_MESSAGE_CHARS, type Logger } from './log.js';

/** The JSON error body of the reservations API, the scaler's HTTP twin and the metrics port. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

export interface RequestInputError {
  status: number;
  /** The body parser's error type (entity.parse.failed, entity.too.large, ...), when it names one. */
  type: string | undefined;
  /** What was wrong with the request, bounded. */
  message: string;
}

/** Called with the status of every answer a handler sends, for request metrics. */
export type AnswerObserver = (status: number) => void;

/** What a client is told of a failure on our side; the details go to the log. */
export const INTERNAL_ERROR_MESSAGE = 'internal error; see the operator log';

function clientStatus(error: Error): number | undefined {
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value < 500 ? value : undefined;
}

function describe(error: Error & { limit?: unknown }, type: string | undefined): string {
  // The router's decodeParam marks a failed decodeURIComponent with status 400.
  if (error instanceof URIError) return `the path has a malformed percent-escape: ${excerpt(error.message)}`;
  if (type === 'entity.too.large')
    return typeof error.limit === 'number' ? `request body is too large (over ${error.limit} bytes)` : 'request body is too large';
  if (type === 'entity.parse.failed') return `request body is not valid JSON: ${excerpt(error.message)}`;
  // The body parser's only untyped 4xx errors are the decompression stream's (zlib, brotli).
  if (type === undefined) return `request body does not match its Content-Encoding: ${excerpt(error.message)}`;
  return excerpt(error.message);
}

/** The client error express or its body parser raised for malformed input, or undefined for anything else (a bug, an outage). */
export function requestInputError(error: unknown): RequestInputError | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = clientStatus(error);
  if (status === undefined) return undefined;
  const declared = (error as { type?: unknown }).type;
  const type = typeof declared === 'string' ? declared : undefined;
  return { status, type, message: describe(error, type) };
}

/** The one warning line a rejected request is worth: never more than a bounded part of its input. */
export function logRejectedRequest(log: Logger, request: Request, status: number, reason: string): void {
  log.warn(
    {
      status,
      reason: excerpt(reason, MAX_MESSAGE_CHARS),
      method: request.method,
      path: excerpt(request.originalUrl),
      remoteAddress: request.socket.remoteAddress,
    },
    'rejected malformed request',
  );
}

/** The one error line a request that failed on our side is worth; the client is told nothing of the internals. */
export function logFailedRequest(log: Logger, request: Request, error: unknown): void {
  log.error({ err: loggedError(error), method: request.method, path: excerpt(request.originalUrl) }, 'request failed');
}

export interface JsonErrorHandlerOptions {
  log: Logger;
  onAnswer?: AnswerObserver | undefined;
}

/**
 * The last error handler of an app or router whose errors are ErrorBody: malformed input gets its
 * 4xx as InvalidArgument, anything else a 500 Internal; one log line either way.
 */
export function jsonErrorHandler(options: JsonErrorHandlerOptions): ErrorRequestHandler {
  return (error: unknown, request, response, next) => {
    // Too late for an answer: express's own handler closes the connection.
    if (response.headersSent) return next(error);
    const input = requestInputError(error);
    let status: number;
    let body: ErrorBody;
    if (input !== undefined) {
      logRejectedRequest(options.log, request, input.status, input.message);
      [status, body] = [input.status, { error: 'InvalidArgument', message: input.message }];
    } else {
      logFailedRequest(options.log, request, error);
      [status, body] = [500, { error: 'Internal', message: INTERNAL_ERROR_MESSAGE }];
    }
    options.onAnswer?.(status);
    response.status(status).json(body);
  };
}

/** A JSON 404 for whatever reaches it, with `hint` saying what is served instead (express's default is an HTML page). */
export function jsonNotFound(hint: string, onAnswer?: AnswerObserver): RequestHandler {
  return (request, response) => {
    onAnswer?.(404);
    response
      .status(404)
      .json({ error: 'NotFound', message: `no route ${request.method} ${excerpt(request.originalUrl)}; ${hint}` } satisfies ErrorBody);
  };
}
