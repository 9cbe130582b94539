/**
 * The scaler's gRPC face: a grpc-js server carrying `externalscaler.ExternalScaler`, optionally
 * over TLS or mutual TLS. Shutdown ends open StreamIsActive streams with status OK (KEDA then
 * reconnects to another replica) before the server stops.
 */
import * as grpc from '@grpc/grpc-js';
import type { PoolKey } from '../api/pool-key.js';
import type { Logger } from '../log.js';
import { DEFAULT_ACTIVITY_INTERVAL_MS, PoolActivityWatch, type PoolChangeSource } from './activity-watch.js';
import { externalScalerHandlers } from './grpc-handlers.js';
import { scalerServerCredentials, type ScalerTls } from './grpc-tls.js';
import { externalScalerService } from './proto.js';
import type { ScalerService } from './service.js';

export type { ScalerTls } from './grpc-tls.js';
export { loadExternalScalerDefinition, PROTO_PATH } from './proto.js';

export const SHUTDOWN_GRACE_MS = 5_000;

export interface ScalerServerOptions {
  service: ScalerService;
  log: Logger;
  tls?: ScalerTls | undefined;
  /** How often open streams re-evaluate their pool (windows and rates move with time alone). */
  streamIntervalMs?: number | undefined;
  /** How long a push of `true` waits for the controller's status write of the same change. */
  publishGraceMs?: number | undefined;
  /** How long close() waits for calls in flight before cutting them. */
  shutdownGraceMs?: number | undefined;
}

export class ScalerGrpcServer {
  private readonly server: grpc.Server;
  private readonly watch: PoolActivityWatch;
  private listening = false;

  constructor(private readonly options: ScalerServerOptions) {
    this.watch = new PoolActivityWatch(options.service, options.streamIntervalMs ?? DEFAULT_ACTIVITY_INTERVAL_MS, options.publishGraceMs);
    this.server = new grpc.Server({
      // Finds KEDA operators that vanished without closing their stream.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      // A ScaledObjectRef is a few hundred bytes; nothing legitimate comes near this.
      'grpc.max_receive_message_length': 64 * 1024,
    });
    this.server.addService(externalScalerService().service, externalScalerHandlers(options.service, this.watch, options.log));
  }

  /** Binds and serves; resolves to the bound port (useful with port 0). */
  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    const bound = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, scalerServerCredentials(this.options.tls), (error, actual) =>
        error ? reject(error) : resolve(actual),
      ),
    );
    this.listening = true;
    this.options.log.info(
      { port: bound, tls: this.options.tls !== undefined, mutualTls: this.options.tls?.clientCaPem !== undefined },
      'scaler gRPC listening',
    );
    return bound;
  }

  /** Re-evaluates the streams watching this pool (key `namespace/name`, as the informer cache emits it). */
  notifyPoolChanged(key: PoolKey): void {
    this.watch.notifyPoolChanged(key);
  }

  /** Wires change events (e.g. the informer cache) to notifyPoolChanged. */
  followChanges(source: PoolChangeSource): void {
    this.watch.followChanges(source);
  }

  openStreamCount(): number {
    return this.watch.subscriberCount();
  }

  /** Ends every stream cleanly, then stops, cutting calls still running after the grace period. */
  async close(): Promise<void> {
    this.watch.close();
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, this.options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS);
      force.unref();
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

export interface StartScalerGrpcOptions extends ScalerServerOptions {
  port: number;
  host?: string | undefined;
  /** Pool change events to re-evaluate streams on (the informer cache's onChange fits). */
  poolChanges?: PoolChangeSource | undefined;
}

export interface RunningScalerGrpcServer {
  port: number;
  notifyPoolChanged(key: PoolKey): void;
  openStreamCount(): number;
  stop(): Promise<void>;
}

export async function startScalerGrpcServer(options: StartScalerGrpcOptions): Promise<RunningScalerGrpcServer> {
  const server = new ScalerGrpcServer(options);
  if (options.poolChanges !== undefined) server.followChanges(options.poolChanges);
  const port = await server.listen(options.port, options.host);
  return {
    port,
    notifyPoolChanged: (key) => server.notifyPoolChanged(key),
    openStreamCount: () => server.openStreamCount(),
    stop: () => server.close(),
  };
}
