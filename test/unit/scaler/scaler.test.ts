import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { PodPool, PodPoolSpec } from '../../../src/api/schema.js';
import type { PodPoolReader } from '../../../src/kube/pool-reader.js';
import { loadExternalScalerDefinition, ScalerGrpcServer, type ScalerTls } from '../../../src/scaler/grpc-server.js';
import { scalerHttpRouter } from '../../../src/scaler/http-routes.js';
import { ScalerService } from '../../../src/scaler/service.js';
import { recommendForPool } from '../../../src/scaling/pool-recommendation.js';
import { issueCertificate } from '../../cluster/pki.js';
import { at, makeSpec } from '../support/spec.js';

const NOW = at('2026-01-05T10:00:00Z');
const log = pino({ level: 'silent' });

/** Our own PodPoolReader interface, backed by a map (the operator passes the informer cache). */
class PoolMap implements PodPoolReader {
  readonly pools = new Map<string, PodPool>();
  synced = true;
  set(namespace: string, name: string, spec: PodPoolSpec): PodPool {
    const pool: PodPool = { apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', metadata: { name, namespace }, spec };
    this.pools.set(`${namespace}/${name}`, pool);
    return pool;
  }
  getPool(namespace: string, name: string): PodPool | undefined {
    return this.pools.get(`${namespace}/${name}`);
  }
  hasSynced(): boolean {
    return this.synced;
  }
}

type Callback = (error: grpc.ServiceError | null, response: Record<string, unknown>) => void;
type Client = grpc.Client & Record<string, (request: unknown, callbackOrOptions?: unknown, callback?: Callback) => grpc.ClientReadableStream<{ result: boolean }>>;

const ExternalScaler = loadExternalScalerDefinition().ExternalScaler as grpc.ServiceClientConstructor;
const servers: ScalerGrpcServer[] = [];
const clients: grpc.Client[] = [];

async function setup(tls?: ScalerTls, clientCredentials = grpc.credentials.createInsecure()) {
  const pools = new PoolMap();
  const service = new ScalerService(pools, () => NOW);
  const server = new ScalerGrpcServer({ service, log, tls, streamIntervalMs: 50 });
  servers.push(server);
  const port = await server.listen(0, '127.0.0.1');
  const client = new ExternalScaler(`localhost:${port}`, clientCredentials) as unknown as Client;
  clients.push(client);
  const unary = (rpc: string, request: unknown): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => client[rpc]!(request, { deadline: Date.now() + 3_000 }, (error, response) => (error ? reject(error) : resolve(response))));
  return { pools, server, client, unary };
}

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const ref = (metadata: Record<string, string>, namespace = 'team-a') => ({ name: 'so', namespace, scalerMetadata: metadata });

describe('the external scaler over gRPC, as KEDA calls it', () => {
  it('answers GetMetricSpec with a stable metric name and target size 1 in both fields', async () => {
    const { pools, unary } = await setup();
    pools.set('team-a', 'sandboxes', makeSpec());
    expect(await unary('GetMetricSpec', ref({ podPoolName: 'sandboxes' }))).toEqual({
      metricSpecs: [{ metricName: 'podpool-team-a-sandboxes', targetSize: 1, targetSizeFloat: 1 }],
    });
  });

  it('answers GetMetrics with the engine recommendation in the int and the float field', async () => {
    const { pools, unary } = await setup();
    const pool = pools.set('team-b', 'gpu', makeSpec({ targetReadyPods: 4, minPoolSize: 2 }));
    const expected = recommendForPool(pool, NOW).desiredReplicas;
    expect(expected).toBe(4);
    const response = await unary('GetMetrics', { scaledObjectRef: ref({ podPoolName: 'gpu', podPoolNamespace: 'team-b' }), metricName: 'podpool-team-b-gpu' });
    expect(response).toEqual({ metricValues: [{ metricName: 'podpool-team-b-gpu', metricValue: expected, metricValueFloat: expected }] });
  });

  it('is active exactly when the pool wants warm pods', async () => {
    const { pools, unary } = await setup();
    pools.set('team-a', 'busy', makeSpec({ targetReadyPods: 1 }));
    pools.set('team-a', 'idle', makeSpec({ targetReadyPods: 0 }));
    expect(await unary('IsActive', ref({ podPoolName: 'busy' }))).toEqual({ result: true });
    expect(await unary('IsActive', ref({ podPoolName: 'idle' }))).toEqual({ result: false });
  });

  it('names the wrong key: INVALID_ARGUMENT for missing or bad metadata, NOT_FOUND for an unknown pool, UNAVAILABLE before the cache syncs', async () => {
    const { pools, unary } = await setup();
    await expect(unary('GetMetricSpec', ref({}))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('podPoolName is required') });
    await expect(unary('GetMetricSpec', ref({ podPoolName: 'Bad_Name' }))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(unary('GetMetrics', { scaledObjectRef: ref({ podPoolName: 'x' }, '') })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('podPoolNamespace'),
    });
    await expect(unary('GetMetrics', { scaledObjectRef: ref({ podPoolName: 'nope' }) })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: expect.stringContaining('team-a/nope'),
    });
    pools.synced = false;
    await expect(unary('IsActive', ref({ podPoolName: 'nope' }))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('streams: first message at once, a push on activation, and a fresh state on reconnect', async () => {
    const { pools, server, client } = await setup();
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    const open = () => {
      const messages: boolean[] = [];
      const stream = client.StreamIsActive!(ref({ podPoolName: 'p' }));
      stream.on('data', (m: { result: boolean }) => messages.push(m.result));
      stream.on('error', () => undefined);
      return { stream, messages };
    };
    const first = open();
    await expect.poll(() => first.messages).toEqual([false]);
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 2 }));
    server.notifyPoolChanged('team-a/p');
    await expect.poll(() => first.messages).toEqual([false, true]);
    first.stream.cancel();
    await expect.poll(() => server.openStreamCount()).toBe(0);
    const second = open();
    await expect.poll(() => second.messages).toEqual([true]);
    // The periodic re-evaluation also notices changes nobody announced.
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    await expect.poll(() => second.messages).toEqual([true, false]);
  });

  it('fails a stream with bad metadata and ends streams cleanly on shutdown', async () => {
    const { pools, server, client } = await setup();
    const bad = client.StreamIsActive!(ref({}));
    const error = await new Promise<grpc.ServiceError>((resolve) => bad.on('error', resolve));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    pools.set('team-a', 'p', makeSpec());
    const stream = client.StreamIsActive!(ref({ podPoolName: 'p' }));
    const ended = new Promise<string>((resolve) => {
      stream.on('data', () => undefined);
      stream.on('end', () => resolve('end'));
      stream.on('error', (e: grpc.ServiceError) => resolve(`error ${e.code}`));
    });
    await expect.poll(() => server.openStreamCount()).toBe(1);
    servers.splice(servers.indexOf(server), 1);
    await server.close();
    expect(await ended).toBe('end');
  });

  it('serves mutual TLS when configured, and refuses a client without a certificate', async () => {
    const ca = issueCertificate({ subject: { commonName: 'scaler-ca' }, isCa: true });
    const serving = issueCertificate({ subject: { commonName: 'scaler' }, issuer: ca, serverAuth: true, dnsNames: ['localhost'] });
    const keda = issueCertificate({ subject: { commonName: 'keda' }, issuer: ca, clientAuth: true });
    const tls = { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: ca.certPem };
    const withCert = await setup(tls, grpc.credentials.createSsl(Buffer.from(ca.certPem), Buffer.from(keda.keyPem), Buffer.from(keda.certPem)));
    withCert.pools.set('team-a', 'p', makeSpec());
    expect(await withCert.unary('IsActive', ref({ podPoolName: 'p' }))).toEqual({ result: true });
    const without = await setup(tls, grpc.credentials.createSsl(Buffer.from(ca.certPem)));
    without.pools.set('team-a', 'p', makeSpec());
    await expect(without.unary('IsActive', ref({ podPoolName: 'p' }))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });
});

describe('the HTTP twin for the metrics-api trigger', () => {
  it('answers the same number as JSON, 404 for an unknown pool, 400 for a bad name', async () => {
    const pools = new PoolMap();
    const pool = pools.set('team-a', 'web', makeSpec({ targetReadyPods: 3 }));
    const app = express().use(scalerHttpRouter(new ScalerService(pools, () => NOW)));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scaler/v1/namespaces`;
    try {
      const ok = await fetch(`${base}/team-a/podpools/web`);
      expect(ok.status).toBe(200);
      const expected = recommendForPool(pool, NOW);
      expect(await ok.json()).toEqual({
        metricName: 'podpool-team-a-web',
        desiredReplicas: expected.desiredReplicas,
        active: true,
        velocity: 0,
        acceleration: 0,
        mode: 'normal',
        reason: expected.reason,
      });
      const missing = await fetch(`${base}/team-a/podpools/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: 'NotFound', message: expect.stringContaining('team-a/nope') });
      expect((await fetch(`${base}/team-a/podpools/Bad_Name`)).status).toBe(400);
    } finally {
      server.close();
    }
  });
});
