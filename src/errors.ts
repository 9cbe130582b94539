/** Typed errors: each carries a code a caller can switch on (HTTP and gRPC edges map codes to statuses). */
export type ErrorCode =
  'InvalidSpec' | 'InvalidArgument' | 'NotFound' | 'Conflict' | 'Unavailable' | 'Unauthenticated' | 'Forbidden' | 'Internal';

export class PodpoolError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options?: { details?: readonly string[]; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PodpoolError';
    this.code = code;
    this.details = options?.details ?? [];
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
