/** The KEDA scaler role: one service, a gRPC face (external, external-push) and an HTTP face (metrics-api). */
export { activityPush, activityStateOf, type ActivityState } from './activity.js';
export { DEFAULT_ACTIVITY_INTERVAL_MS, PoolActivityWatch, type ActivitySubscriber, type PoolChangeSource } from './activity-watch.js';
export { grpcStatusOf } from './grpc-errors.js';
export {
  ScalerGrpcServer,
  startScalerGrpcServer,
  type RunningScalerGrpcServer,
  type ScalerServerOptions,
  type StartScalerGrpcOptions,
} from './grpc-server.js';
export { readScalerTls, scalerServerCredentials, type ScalerTls, type ScalerTlsFiles } from './grpc-tls.js';
export { SCALER_HTTP_PATH, scalerHttpRouter, type ScalerHttpAnswer } from './http-routes.js';
export {
  metricNameFor,
  POOL_NAME_KEY,
  POOL_NAMESPACE_KEY,
  poolRefFromPath,
  poolRefFromScaledObject,
  type PoolRef,
  type ScaledObjectRef,
} from './pool-ref.js';
export { externalScalerService, loadExternalScalerDefinition, PROTO_PATH } from './proto.js';
export { METRIC_TARGET_SIZE, ScalerService, type ScalerAnswer } from './service.js';
