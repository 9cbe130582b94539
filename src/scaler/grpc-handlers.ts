/**
 * The four rpcs of `externalscaler.ExternalScaler` over the scaler service. Every request is
 * parsed at the edge, every failure becomes a gRPC status naming the wrong trigger key, and every
 * answer fills both the int64 and the double field (KEDA before 2.17 reads only the integer;
 * later versions read the double only when it is above 0, so 0 must be in both).
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log.js';
import { scalerOpenStreams, scalerRequestDuration, scalerRequestsTotal } from '../metrics.js';
import type { ActivitySubscriber, PoolActivityWatch } from './activity-watch.js';
import { grpcStatusOf, statusName } from './grpc-errors.js';
import { poolRefFromScaledObject, type ScaledObjectRef } from './pool-ref.js';
import type { GetMetricSpecResponse, GetMetricsRequest, GetMetricsResponse, IsActiveResponse } from './proto.js';
import type { ScalerService } from './service.js';

function instrumentedUnary<Request, Response>(
  rpc: string,
  log: Logger,
  handle: (request: Request) => Response,
): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const stopTimer = scalerRequestDuration.startTimer({ rpc });
    try {
      const response = handle(call.request);
      scalerRequestsTotal.inc({ rpc, outcome: 'OK' });
      callback(null, response);
    } catch (error) {
      const status = grpcStatusOf(error);
      scalerRequestsTotal.inc({ rpc, outcome: statusName(status.code) });
      if (status.code === grpc.status.INTERNAL) log.error({ rpc, err: error }, 'scaler request failed');
      else log.debug({ rpc, code: statusName(status.code), details: status.details }, 'scaler request refused');
      callback(status, null);
    } finally {
      stopTimer();
    }
  };
}

function streamIsActive(watch: PoolActivityWatch, log: Logger): grpc.handleServerStreamingCall<ScaledObjectRef, IsActiveResponse> {
  const rpc = 'StreamIsActive';
  return (call) => {
    const stopTimer = scalerRequestDuration.startTimer({ rpc });
    let open = true;
    let unsubscribe: (() => void) | undefined;
    const close = (): void => {
      if (!open) return;
      open = false;
      unsubscribe?.();
      scalerOpenStreams.dec();
    };
    const writable = (): boolean => open && !call.cancelled && !call.writableEnded;
    const subscriber: ActivitySubscriber = {
      push: (active) => {
        if (writable()) call.write({ result: active });
      },
      fail: (error) => {
        const status = grpcStatusOf(error);
        log.info({ rpc, code: statusName(status.code), details: status.details }, 'ending activity stream');
        if (writable()) call.emit('error', status);
        close();
      },
      end: () => {
        if (writable()) call.end();
        close();
      },
    };
    call.on('cancelled', close);
    call.on('close', close);
    scalerOpenStreams.inc();
    try {
      unsubscribe = watch.subscribe(poolRefFromScaledObject(call.request), subscriber);
      // A client that left while we subscribed must not stay subscribed.
      if (!open) unsubscribe();
      scalerRequestsTotal.inc({ rpc, outcome: 'OK' });
    } catch (error) {
      const status = grpcStatusOf(error);
      scalerRequestsTotal.inc({ rpc, outcome: statusName(status.code) });
      close();
      if (!call.cancelled) call.emit('error', status);
    } finally {
      stopTimer();
    }
  };
}

export function externalScalerHandlers(service: ScalerService, watch: PoolActivityWatch, log: Logger): grpc.UntypedServiceImplementation {
  return {
    IsActive: instrumentedUnary<ScaledObjectRef, IsActiveResponse>('IsActive', log, (ref) => ({
      result: service.answer(poolRefFromScaledObject(ref)).active,
    })),
    GetMetricSpec: instrumentedUnary<ScaledObjectRef, GetMetricSpecResponse>('GetMetricSpec', log, (ref) => {
      const spec = service.metricSpec(poolRefFromScaledObject(ref));
      // Never an empty list: KEDA reads that as a broken scaler and freezes the HPA.
      return { metricSpecs: [{ metricName: spec.metricName, targetSize: spec.targetSize, targetSizeFloat: spec.targetSize }] };
    }),
    GetMetrics: instrumentedUnary<GetMetricsRequest, GetMetricsResponse>('GetMetrics', log, (request) => {
      const answer = service.answer(poolRefFromScaledObject(request.scaledObjectRef));
      return {
        metricValues: [{ metricName: answer.metricName, metricValue: answer.desiredReplicas, metricValueFloat: answer.desiredReplicas }],
      };
    }),
    StreamIsActive: streamIsActive(watch, log),
  };
}
