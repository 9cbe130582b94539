/**
 * KEDA's external scaler over gRPC (@grpc/grpc-js). Errors map to gRPC statuses with a message
 * naming the wrong trigger key; GetMetricSpec never answers an empty list (KEDA reads that as a
 * broken scaler). Both the int64 and the double field are filled: KEDA before 2.17 reads only the
 * integer, later versions the double when it is above 0.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { errorMessage, PodpoolError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { scalerOpenStreams, scalerRequestDuration, scalerRequestsTotal } from '../metrics.js';
import { poolRefFromScaledObject, type ScaledObjectRef, type ScalerService } from './service.js';

export const PROTO_PATH = fileURLToPath(new URL('../../proto/externalscaler.proto', import.meta.url));

const STATUS_BY_CODE: Partial<Record<ErrorCode, grpc.status>> = {
  InvalidArgument: grpc.status.INVALID_ARGUMENT,
  InvalidSpec: grpc.status.FAILED_PRECONDITION,
  NotFound: grpc.status.NOT_FOUND,
  Unavailable: grpc.status.UNAVAILABLE,
};

export function loadExternalScalerDefinition(): grpc.GrpcObject {
  const definition = protoLoader.loadSync(PROTO_PATH, { keepCase: true, longs: Number, defaults: true, oneofs: true });
  return grpc.loadPackageDefinition(definition).externalscaler as grpc.GrpcObject;
}

export interface ScalerTls {
  certPem: string;
  keyPem: string;
  /** With a CA, clients must present a certificate it signed (mutual TLS, KEDA's tlsClientCert). */
  clientCaPem?: string | undefined;
}

export interface ScalerServerOptions {
  service: ScalerService;
  log: Logger;
  tls?: ScalerTls | undefined;
  /** How often open streams re-evaluate their pool (windows and rates move with time). */
  streamIntervalMs?: number;
}

function toServiceError(error: unknown): Partial<grpc.StatusObject> {
  const code = error instanceof PodpoolError ? (STATUS_BY_CODE[error.code] ?? grpc.status.INTERNAL) : grpc.status.INTERNAL;
  return { code, details: errorMessage(error) };
}

interface OpenStream {
  call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>;
  key: string;
  evaluate: () => void;
}

export class ScalerGrpcServer {
  private readonly server: grpc.Server;
  private readonly streams = new Set<OpenStream>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ScalerServerOptions) {
    this.server = new grpc.Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000, 'grpc.max_receive_message_length': 64 * 1024 });
    const scaler = loadExternalScalerDefinition().ExternalScaler as grpc.ServiceClientConstructor;
    this.server.addService(scaler.service, {
      IsActive: this.unary('IsActive', (ref: ScaledObjectRef) => ({ result: options.service.answer(poolRefFromScaledObject(ref)).active })),
      GetMetricSpec: this.unary('GetMetricSpec', (ref: ScaledObjectRef) => {
        const spec = options.service.metricSpec(poolRefFromScaledObject(ref));
        return { metricSpecs: [{ metricName: spec.metricName, targetSize: spec.targetSize, targetSizeFloat: spec.targetSize }] };
      }),
      GetMetrics: this.unary('GetMetrics', (request: { scaledObjectRef?: ScaledObjectRef; metricName?: string }) => {
        const answer = options.service.answer(poolRefFromScaledObject(request.scaledObjectRef ?? {}));
        return {
          metricValues: [{ metricName: answer.metricName, metricValue: answer.desiredReplicas, metricValueFloat: answer.desiredReplicas }],
        };
      }),
      StreamIsActive: (call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>) => this.openStream(call),
    });
  }

  private unary<Request, Response>(rpc: string, handle: (request: Request) => Response): grpc.handleUnaryCall<Request, Response> {
    return (call, callback) => {
      const stopTimer = scalerRequestDuration.startTimer({ rpc });
      try {
        const response = handle(call.request);
        scalerRequestsTotal.inc({ rpc, outcome: 'OK' });
        callback(null, response);
      } catch (error) {
        const serviceError = toServiceError(error);
        scalerRequestsTotal.inc({ rpc, outcome: grpc.status[serviceError.code ?? grpc.status.INTERNAL] ?? 'UNKNOWN' });
        if (serviceError.code === grpc.status.INTERNAL) this.options.log.error({ rpc, err: errorMessage(error) }, 'scaler request failed');
        callback(serviceError, null);
      } finally {
        stopTimer();
      }
    };
  }

  private openStream(call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>): void {
    let last: boolean | undefined;
    let ref;
    try {
      ref = poolRefFromScaledObject(call.request);
    } catch (error) {
      scalerRequestsTotal.inc({ rpc: 'StreamIsActive', outcome: 'INVALID_ARGUMENT' });
      call.emit('error', toServiceError(error));
      return;
    }
    const poolRef = ref;
    const stream: OpenStream = {
      call,
      key: `${poolRef.namespace}/${poolRef.name}`,
      evaluate: () => {
        try {
          const active = this.options.service.answer(poolRef).active;
          // The first answer goes out at once; after that only changes are pushed.
          if (active !== last) {
            last = active;
            call.write({ result: active });
          }
        } catch (error) {
          if (last === undefined) {
            this.forget(stream);
            call.emit('error', toServiceError(error));
          }
        }
      },
    };
    this.streams.add(stream);
    scalerOpenStreams.set(this.streams.size);
    scalerRequestsTotal.inc({ rpc: 'StreamIsActive', outcome: 'OK' });
    call.on('cancelled', () => this.forget(stream));
    call.on('error', () => this.forget(stream));
    stream.evaluate();
  }

  private forget(stream: OpenStream): void {
    if (this.streams.delete(stream)) scalerOpenStreams.set(this.streams.size);
  }

  /** Re-evaluates the streams watching this pool now (the operator calls it on cache changes). */
  notifyPoolChanged(key: string): void {
    for (const stream of this.streams) if (stream.key === key) stream.evaluate();
  }

  openStreamCount(): number {
    return this.streams.size;
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    const tls = this.options.tls;
    const credentials =
      tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(
            tls.clientCaPem === undefined ? null : Buffer.from(tls.clientCaPem),
            [{ private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) }],
            tls.clientCaPem !== undefined,
          );
    const bound = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, credentials, (error, actual) => (error ? reject(error) : resolve(actual))),
    );
    this.timer = setInterval(() => this.streams.forEach((stream) => stream.evaluate()), this.options.streamIntervalMs ?? 5_000);
    this.timer.unref();
    return bound;
  }

  /** Ends every stream cleanly, then stops the server (forcing after 5 s). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const open of [...this.streams]) {
      open.call.end();
      this.forget(open);
    }
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 5_000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
