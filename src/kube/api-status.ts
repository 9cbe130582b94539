import { ApiException } from '@kubernetes/client-node';
import { errorMessage } from '../errors.js';

/** The HTTP status of a failed API server call (404, 409, ...); undefined for any other error. */
export function apiStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The HTTP status of a failed call or watch: client-node's Watch rejects with a plain Error carrying statusCode. */
export function httpStatus(error: unknown): number | undefined {
  const status = apiStatus(error);
  if (status !== undefined) return status;
  const statusCode = (error as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/**
 * What the API server sends with a 429 ("storage is (re)initializing", priority and fairness
 * rejections). Assumed when a 429's headers are lost, as client-node's Watch drops them.
 */
const TOO_MANY_REQUESTS_RETRY_AFTER_MS = 1000;

/** How long a 429 or 5xx answer asked the client to wait (Retry-After); undefined when it did not ask. */
export function retryAfterMs(error: unknown, nowMs: number): number | undefined {
  const status = httpStatus(error);
  if (status === undefined || (status !== 429 && status < 500)) return undefined;
  const header = error instanceof ApiException ? headerValue(error.headers, 'retry-after') : undefined;
  const asked = header === undefined ? undefined : parseRetryAfter(header, nowMs);
  return asked ?? (status === 429 ? TOO_MANY_REQUESTS_RETRY_AFTER_MS : undefined);
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Retry-After is delay-seconds or an HTTP date (RFC 9110 10.2.3). */
function parseRetryAfter(value: string, nowMs: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** What the API server said when it refused a call: its Status message, else the error's own. */
export function apiStatusMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null | undefined)?.body;
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return body || errorMessage(error);
    }
  }
  const message = (status as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && message !== '' ? message : errorMessage(error);
}
