import { ApiException } from '@kubernetes/client-node';

/** The HTTP status of a failed API server call (404, 409, ...); undefined for any other error. */
export function apiStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}
