/** Reservation errors and how the HTTP edge answers them: JSON `{error, message}`. */
import type { Request, Response } from 'express';
import { PodpoolError, type ErrorCode } from '../errors.js';
import { INTERNAL_ERROR_MESSAGE, logFailedRequest, logRejectedRequest, requestInputError, type ErrorBody } from '../http-errors.js';
import { excerpt, MAX_MESSAGE_CHARS, type Logger } from '../log.js';

export type { ErrorBody };

/** No pod could be handed out now; the caller should retry after `retryAfterSeconds`. */
export class ReservationUnavailableError extends PodpoolError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('Unavailable', message);
  }
}

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  InvalidArgument: 400,
  InvalidSpec: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  Unavailable: 503,
  Internal: 500,
};

function send(response: Response, status: number, body: ErrorBody): void {
  response.status(status).json(body);
}

/**
 * Answers a failed request: a PodpoolError by its code, malformed input that express or its body
 * parser refused (bad JSON, a body that is not the gzip it claims, a bad percent-escape in the
 * path) with its 4xx as InvalidArgument, anything else with a 500 that hides the details. Bad
 * input and failures on our side are logged, each with one bounded line.
 */
export function sendError(request: Request, response: Response, error: unknown, log: Logger): void {
  if (response.headersSent) return;
  if (error instanceof PodpoolError) {
    const status = STATUS_BY_CODE[error.code];
    const message = excerpt(error.message, MAX_MESSAGE_CHARS);
    if (error.code === 'InvalidArgument' || error.code === 'InvalidSpec') logRejectedRequest(log, request, status, message);
    if (error.code === 'Internal') logFailedRequest(log, request, error);
    if (error instanceof ReservationUnavailableError) response.setHeader('Retry-After', String(error.retryAfterSeconds));
    if (error.code === 'Unauthenticated') response.setHeader('WWW-Authenticate', 'Bearer');
    send(response, status, { error: error.code, message });
    return;
  }
  const input = requestInputError(error);
  if (input !== undefined) {
    logRejectedRequest(log, request, input.status, input.message);
    send(response, input.status, { error: 'InvalidArgument', message: input.message });
    return;
  }
  logFailedRequest(log, request, error);
  send(response, 500, { error: 'Internal', message: INTERNAL_ERROR_MESSAGE });
}
