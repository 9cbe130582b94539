/** KEDA's external scaler contract (proto/externalscaler.proto) loaded for @grpc/grpc-js, and its messages as TypeScript sees them. */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ScaledObjectRef } from './pool-ref.js';

// From src/scaler/ and from dist/scaler/ alike, the proto sits at the package root.
export const PROTO_PATH = fileURLToPath(new URL('../../proto/externalscaler.proto', import.meta.url));

export interface IsActiveResponse {
  result: boolean;
}

export interface MetricSpec {
  metricName: string;
  /** int64: the only field KEDA before 2.17 reads. */
  targetSize: number;
  /** double: KEDA 2.17+ prefers it when it is above 0. */
  targetSizeFloat: number;
}

export interface GetMetricSpecResponse {
  metricSpecs: MetricSpec[];
}

export interface GetMetricsRequest {
  scaledObjectRef?: ScaledObjectRef | null;
  metricName?: string | null;
}

export interface MetricValue {
  metricName: string;
  metricValue: number;
  metricValueFloat: number;
}

export interface GetMetricsResponse {
  metricValues: MetricValue[];
}

let externalScaler: grpc.ServiceClientConstructor | undefined;

/** The `externalscaler.ExternalScaler` service: `.service` for a server, `new (address, credentials)` for a client. */
export function externalScalerService(): grpc.ServiceClientConstructor {
  if (externalScaler !== undefined) return externalScaler;
  // longs as Number: replica counts are far below 2^53, and KEDA's int64 fields then read as plain numbers.
  const definition = protoLoader.loadSync(PROTO_PATH, { keepCase: true, longs: Number, defaults: true, oneofs: true });
  const scalerPackage = grpc.loadPackageDefinition(definition).externalscaler as grpc.GrpcObject;
  externalScaler = scalerPackage.ExternalScaler as grpc.ServiceClientConstructor;
  return externalScaler;
}

/** The `externalscaler` package as grpc-js loads it (its `.ExternalScaler` is externalScalerService()). */
export function loadExternalScalerDefinition(): grpc.GrpcObject {
  return { ExternalScaler: externalScalerService() };
}
