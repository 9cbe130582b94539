/** Parses reservation input at the edge into typed values; anything else is a clear 400. */
import { isValidObjectName, type ObjectKind } from '../api/object-names.js';
import { parseDurationMs } from '../duration.js';
import { PodpoolError } from '../errors.js';
import { excerpt } from '../log.js';

export const MAX_USER_LENGTH = 253;
export const MAX_TTL_SECONDS = 7 * 24 * 60 * 60;
export const MAX_WAIT_SECONDS = 120;

export interface ReserveBody {
  user: string;
  ttlSeconds?: number;
}

const ALLOWED_FIELDS = new Set(['user', 'ttlSeconds']);
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function invalid(message: string): PodpoolError {
  return new PodpoolError('InvalidArgument', message);
}

export function parseReserveBody(body: unknown): ReserveBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the body must be a JSON object like {"user": "alice"} sent with Content-Type: application/json');
  }
  const unknownFields = Object.keys(body).filter((field) => !ALLOWED_FIELDS.has(field));
  if (unknownFields.length > 0) throw invalid(`unknown field(s) ${excerpt(unknownFields.join(', '))}; allowed: user, ttlSeconds`);
  const { user, ttlSeconds } = body as Record<string, unknown>;
  if (typeof user !== 'string' || user.trim() === '') throw invalid('user must be a non-empty string');
  if (user.length > MAX_USER_LENGTH) throw invalid(`user must be at most ${MAX_USER_LENGTH} characters`);
  if (CONTROL_CHARACTERS.test(user)) throw invalid('user must not contain control characters');
  if (ttlSeconds === undefined) return { user };
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
    throw invalid(`ttlSeconds must be a positive integer of at most ${MAX_TTL_SECONDS} (7 days)`);
  }
  return { user, ttlSeconds };
}

/**
 * `?wait=` as `30s`, `1500ms`, `2m` or plain seconds; absent means do not wait. Longer waits
 * are cut to `maxWaitSeconds` rather than refused: the caller still gets the longest wait allowed.
 */
export function parseWait(value: unknown, maxWaitSeconds = MAX_WAIT_SECONDS): number {
  if (value === undefined) return 0;
  if (typeof value !== 'string') throw invalid('wait must be given once, as a duration like 30s');
  const ms = parseDurationMs(value, 's');
  if (ms === undefined) throw invalid(`wait=${JSON.stringify(excerpt(value))} is not a duration like 30s, 1500ms or 2m`);
  return Math.min(ms, maxWaitSeconds * 1000);
}

export function parseObjectName(value: string | undefined, what: ObjectKind): string {
  if (value === undefined || !isValidObjectName(value, what)) {
    throw invalid(`${JSON.stringify(excerpt(value ?? ''))} is not a valid ${what} name`);
  }
  return value;
}
