/** Reservation errors and how the HTTP edge answers them: JSON `{error, message}`. */
import type { Response } from 'express';
import { errorMessage, PodpoolError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';

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

export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

/** Errors thrown by express' body parser carry an HTTP status and a type. */
function bodyParserStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error) || !('status' in error)) return undefined;
  const status = (error as { status: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

export function sendError(response: Response, error: unknown, log: Logger): void {
  if (response.headersSent) return;
  const parserStatus = bodyParserStatus(error);
  if (parserStatus !== undefined) {
    const message = parserStatus === 413 ? 'request body is too large' : `request body is not valid JSON: ${errorMessage(error)}`;
    response.status(parserStatus).json({ error: 'InvalidArgument', message } satisfies ErrorBody);
    return;
  }
  if (!(error instanceof PodpoolError)) {
    log.error({ err: error }, 'reservation request failed');
    response.status(500).json({ error: 'Internal', message: 'internal error; see the operator log' } satisfies ErrorBody);
    return;
  }
  if (error.code === 'Internal') log.error({ err: error }, 'reservation request failed');
  if (error instanceof ReservationUnavailableError) response.setHeader('Retry-After', String(error.retryAfterSeconds));
  if (error.code === 'Unauthenticated') response.setHeader('WWW-Authenticate', 'Bearer');
  response.status(STATUS_BY_CODE[error.code]).json({ error: error.code, message: error.message } satisfies ErrorBody);
}
