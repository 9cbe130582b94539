/** Where podpool's typed errors become gRPC statuses (and nowhere else). */
import * as grpc from '@grpc/grpc-js';
import { errorMessage, PodpoolError, type ErrorCode } from '../errors.js';

const STATUS_BY_CODE: Partial<Record<ErrorCode, grpc.status>> = {
  InvalidArgument: grpc.status.INVALID_ARGUMENT,
  InvalidSpec: grpc.status.FAILED_PRECONDITION,
  NotFound: grpc.status.NOT_FOUND,
  Unavailable: grpc.status.UNAVAILABLE,
};

export interface GrpcErrorStatus {
  code: grpc.status;
  details: string;
}

export function grpcStatusOf(error: unknown): GrpcErrorStatus {
  const code = error instanceof PodpoolError ? (STATUS_BY_CODE[error.code] ?? grpc.status.INTERNAL) : grpc.status.INTERNAL;
  return { code, details: errorMessage(error) };
}

/** The metric label for a status: its name, e.g. NOT_FOUND. */
export function statusName(code: grpc.status): string {
  return grpc.status[code] ?? 'UNKNOWN';
}
