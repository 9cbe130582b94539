/** A gRPC client built from our proto plays KEDA against a real grpc-js server on loopback. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { scalerOpenStreams, scalerRequestsTotal } from '../../../src/metrics.js';
import { ScalerGrpcServer, startScalerGrpcServer, type ScalerTls } from '../../../src/scaler/grpc-server.js';
import { readScalerTls } from '../../../src/scaler/grpc-tls.js';
import { externalScalerService } from '../../../src/scaler/proto.js';
import { ScalerService } from '../../../src/scaler/service.js';
import { recommendForPool } from '../../../src/scaling/pool-recommendation.js';
import { issueCertificate } from '../../../dev/cluster/pki.js';
import { at, makeSpec } from '../support/spec.js';
import { busyStatus, PoolMap } from './pool-map.js';
import { poolKey, type PoolKey } from '../../../src/api/pool-key.js';

const NOW = at('2026-01-05T10:00:00Z');
const log = pino({ level: 'silent' });
const ExternalScaler = externalScalerService();

type Reply = Record<string, unknown>;
type UnaryMethod = (request: unknown, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, reply: Reply) => void) => void;
type KedaClient = grpc.Client & {
  IsActive: UnaryMethod;
  GetMetricSpec: UnaryMethod;
  GetMetrics: UnaryMethod;
  StreamIsActive: (request: unknown) => grpc.ClientReadableStream<{ result: boolean }>;
};

const servers: ScalerGrpcServer[] = [];
const clients: grpc.Client[] = [];

afterEach(async () => {
  clients.splice(0).forEach((client) => client.close());
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(options: { tls?: ScalerTls; clientCredentials?: grpc.ChannelCredentials } = {}) {
  const pools = new PoolMap();
  const service = new ScalerService(pools, { clock: { now: () => NOW } });
  const server = new ScalerGrpcServer({ service, log, tls: options.tls, streamIntervalMs: 20, publishGraceMs: 0, shutdownGraceMs: 1_000 });
  servers.push(server);
  const port = await server.listen(0, '127.0.0.1');
  const client = new ExternalScaler(
    `localhost:${port}`,
    options.clientCredentials ?? grpc.credentials.createInsecure(),
  ) as unknown as KedaClient;
  clients.push(client);
  // KEDA's HPA-path calls carry about a 3 s deadline.
  const call = (rpc: 'IsActive' | 'GetMetricSpec' | 'GetMetrics', request: unknown): Promise<Reply> =>
    new Promise((resolve, reject) =>
      client[rpc](request, { deadline: Date.now() + 3_000 }, (error, reply) => (error ? reject(error) : resolve(reply))),
    );
  const openStream = (request: unknown) => {
    const messages: boolean[] = [];
    const stream = client.StreamIsActive(request);
    stream.on('data', (message: { result: boolean }) => messages.push(message.result));
    const finished = new Promise<{ end: true } | { error: grpc.ServiceError }>((resolve) => {
      stream.on('end', () => resolve({ end: true }));
      stream.on('error', (error: grpc.ServiceError) => resolve({ error }));
    });
    return { stream, messages, finished };
  };
  return { pools, server, client, port, call, openStream };
}

/** ScaledObjectRef as KEDA sends it: ScaledObject name/namespace and every trigger metadata key. */
const ref = (metadata: Record<string, string>, namespace = 'team-a') => ({
  name: 'sandboxes-so',
  namespace,
  scalerMetadata: { scalerAddress: 'podpool-scaler.podpool-system.svc:9090', ...metadata },
});

const counted = async (rpc: string, outcome: string): Promise<number> =>
  (await scalerRequestsTotal.get()).values.find((value) => value.labels.rpc === rpc && value.labels.outcome === outcome)?.value ?? 0;

describe('the external scaler over gRPC, as KEDA calls it', () => {
  it('answers GetMetricSpec with a stable metric name and target size 1 in the int and the float field', async () => {
    const { pools, call } = await setup();
    pools.set('team-a', 'sandboxes', makeSpec());
    const expected = { metricSpecs: [{ metricName: 'podpool-team-a-sandboxes', targetSize: 1, targetSizeFloat: 1 }] };
    expect(await call('GetMetricSpec', ref({ podPoolName: 'sandboxes' }))).toEqual(expected);
    expect(await call('GetMetricSpec', ref({ podPoolName: 'sandboxes' }))).toEqual(expected);
  });

  it('answers GetMetrics with the engine recommendation in the int and the float field', async () => {
    const { pools, call } = await setup();
    const pool = pools.set('team-b', 'gpu', makeSpec({ targetReadyPods: 2, warmupSeconds: 120 }), busyStatus(NOW, 8));
    const expected = recommendForPool(pool, NOW).desiredReplicas;
    expect(expected).toBeGreaterThan(2);
    const reply = await call('GetMetrics', {
      scaledObjectRef: ref({ podPoolName: 'gpu', podPoolNamespace: 'team-b' }),
      metricName: 'podpool-team-b-gpu',
    });
    expect(reply).toEqual({ metricValues: [{ metricName: 'podpool-team-b-gpu', metricValue: expected, metricValueFloat: expected }] });
  });

  it('answers 0 in both fields for a pool that wants no warm pods, and IsActive false', async () => {
    const { pools, call } = await setup();
    pools.set('team-a', 'idle', makeSpec({ targetReadyPods: 0 }));
    pools.set('team-a', 'busy', makeSpec({ targetReadyPods: 1 }));
    const reply = await call('GetMetrics', { scaledObjectRef: ref({ podPoolName: 'idle' }), metricName: 'podpool-team-a-idle' });
    expect(reply).toEqual({ metricValues: [{ metricName: 'podpool-team-a-idle', metricValue: 0, metricValueFloat: 0 }] });
    expect(await call('IsActive', ref({ podPoolName: 'idle' }))).toEqual({ result: false });
    expect(await call('IsActive', ref({ podPoolName: 'busy' }))).toEqual({ result: true });
  });

  it('refuses bad metadata with INVALID_ARGUMENT naming the key, on every rpc', async () => {
    const { call } = await setup();
    const missing = { code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('podPoolName is required') };
    await expect(call('GetMetricSpec', ref({}))).rejects.toMatchObject(missing);
    await expect(call('GetMetrics', { scaledObjectRef: ref({}), metricName: 'x' })).rejects.toMatchObject(missing);
    await expect(call('IsActive', ref({}))).rejects.toMatchObject(missing);
    await expect(call('IsActive', ref({ podPoolName: 'Bad_Name' }))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('podPoolName "Bad_Name"'),
    });
    await expect(call('GetMetrics', { scaledObjectRef: ref({ podPoolName: 'x' }, '') })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('podPoolNamespace'),
    });
  });

  it('answers NOT_FOUND for an unknown pool and UNAVAILABLE before the cache has synced', async () => {
    const { pools, call } = await setup();
    const before = await counted('GetMetrics', 'NOT_FOUND');
    await expect(call('GetMetrics', { scaledObjectRef: ref({ podPoolName: 'nope' }) })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: expect.stringContaining('team-a/nope'),
    });
    expect(await counted('GetMetrics', 'NOT_FOUND')).toBe(before + 1);
    pools.synced = false;
    await expect(call('GetMetricSpec', ref({ podPoolName: 'nope' }))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('answers UNIMPLEMENTED to rpcs it does not serve (KEDA 2.21 falls back from StreamMetricSpec)', async () => {
    const { client } = await setup();
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        '/externalscaler.ExternalScaler/StreamMetricSpec',
        (x: Buffer) => x,
        (x: Buffer) => x,
        Buffer.alloc(0),
        (e) => resolve(e),
      ),
    );
    expect(error?.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});

describe('StreamIsActive (external-push)', () => {
  it('sends the state at once, pushes on activation, and a fresh state on reconnect', async () => {
    const { pools, server, openStream } = await setup();
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    const first = openStream(ref({ podPoolName: 'p' }));
    await expect.poll(() => first.messages).toEqual([false]);
    expect(await scalerOpenStreams.get()).toMatchObject({ values: [{ value: 1 }] });
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 2 }));
    server.notifyPoolChanged(poolKey('team-a', 'p'));
    await expect.poll(() => first.messages).toEqual([false, true]);

    first.stream.cancel();
    await expect.poll(() => server.openStreamCount()).toBe(0);
    expect(await scalerOpenStreams.get()).toMatchObject({ values: [{ value: 0 }] });
    const second = openStream(ref({ podPoolName: 'p' }));
    await expect.poll(() => second.messages).toEqual([true]);
    // The timer notices changes nobody announced.
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    await expect.poll(() => second.messages).toEqual([true, false]);
  });

  it('pushes true again when an active pool enters spike mode, then stays quiet', async () => {
    const { pools, server, openStream } = await setup();
    const spec = makeSpec({ minPoolSize: 1, targetReadyPods: 1, scaleUpVelocityThreshold: 4 });
    pools.set('team-a', 'p', spec);
    const stream = openStream(ref({ podPoolName: 'p' }));
    await expect.poll(() => stream.messages).toEqual([true]);
    pools.set('team-a', 'p', spec, busyStatus(NOW, 12));
    server.notifyPoolChanged(poolKey('team-a', 'p'));
    await expect.poll(() => stream.messages).toEqual([true, true]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stream.messages).toEqual([true, true]);
  });

  it('keeps many streams on one pool in step', async () => {
    const { pools, server, openStream } = await setup();
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    const streams = Array.from({ length: 40 }, () => openStream(ref({ podPoolName: 'p' })));
    await expect.poll(() => server.openStreamCount()).toBe(40);
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 5 }));
    server.notifyPoolChanged(poolKey('team-a', 'p'));
    await expect.poll(() => streams.every((s) => s.messages.length === 2)).toBe(true);
    expect(new Set(streams.map((s) => JSON.stringify(s.messages)))).toEqual(new Set(['[false,true]']));
  });

  it('fails a stream with bad metadata, for an unknown pool, and when its pool is deleted', async () => {
    const { pools, server, openStream } = await setup();
    expect(await openStream(ref({})).finished).toMatchObject({ error: { code: grpc.status.INVALID_ARGUMENT } });
    expect(await openStream(ref({ podPoolName: 'nope' })).finished).toMatchObject({ error: { code: grpc.status.NOT_FOUND } });
    pools.set('team-a', 'p', makeSpec());
    const stream = openStream(ref({ podPoolName: 'p' }));
    await expect.poll(() => stream.messages).toEqual([true]);
    pools.delete('team-a', 'p');
    server.notifyPoolChanged(poolKey('team-a', 'p'));
    expect(await stream.finished).toMatchObject({ error: { code: grpc.status.NOT_FOUND } });
    expect(server.openStreamCount()).toBe(0);
  });

  it('ends open streams cleanly (status OK) on shutdown', async () => {
    const { pools, server, openStream } = await setup();
    pools.set('team-a', 'p', makeSpec());
    const streams = [openStream(ref({ podPoolName: 'p' })), openStream(ref({ podPoolName: 'p' }))];
    await expect.poll(() => server.openStreamCount()).toBe(2);
    servers.splice(servers.indexOf(server), 1);
    await server.close();
    for (const stream of streams) expect(await stream.finished).toEqual({ end: true });
  });
});

describe('malformed requests', () => {
  it('answers garbage bytes, a missing ScaledObjectRef and an oversized message with errors and keeps serving', async () => {
    const { pools, client, call } = await setup();
    pools.set('team-a', 'p', makeSpec());
    const raw = (path: string, bytes: Buffer) =>
      new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(
          path,
          (x: Buffer) => x,
          (x: Buffer) => x,
          bytes,
          (e) => resolve(e),
        ),
      );
    // Field 1, length 200, but 2 bytes follow: protobuf cannot decode it.
    expect((await raw('/externalscaler.ExternalScaler/GetMetrics', Buffer.from([0x0a, 0xc8, 0x01, 0x01, 0x02])))?.code).toBe(
      grpc.status.INTERNAL,
    );
    expect((await raw('/externalscaler.ExternalScaler/IsActive', Buffer.from([0xff, 0xff, 0xff, 0xff])))?.code).toBe(grpc.status.INTERNAL);
    expect((await raw('/externalscaler.ExternalScaler/GetMetricSpec', Buffer.alloc(128 * 1024, 0x20)))?.code).toBe(
      grpc.status.RESOURCE_EXHAUSTED,
    );
    await expect(call('GetMetrics', {})).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(call('GetMetrics', { scaledObjectRef: { scalerMetadata: { podPoolName: 'p\u0000' } } })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    expect(await call('IsActive', ref({ podPoolName: 'p' }))).toEqual({ result: true });
  });
});

describe('TLS', async () => {
  const ca = await issueCertificate({ commonName: 'scaler-ca' });
  const serving = await issueCertificate({ commonName: 'scaler', issuer: ca, leaf: { serverAuth: true, dnsNames: ['localhost'] } });
  const keda = await issueCertificate({ commonName: 'keda', issuer: ca, leaf: { clientAuth: true } });

  it('serves TLS to a client that trusts the CA (KEDA caCert / enableTLS)', async () => {
    const { pools, call } = await setup({
      tls: { certPem: Buffer.from(serving.certPem), keyPem: serving.keyPem },
      clientCredentials: grpc.credentials.createSsl(Buffer.from(ca.certPem)),
    });
    pools.set('team-a', 'p', makeSpec());
    expect(await call('IsActive', ref({ podPoolName: 'p' }))).toEqual({ result: true });
  });

  it('serves mutual TLS to a client with a certificate and refuses one without', async () => {
    const tls = { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: ca.certPem };
    const withCertificate = await setup({
      tls,
      clientCredentials: grpc.credentials.createSsl(Buffer.from(ca.certPem), Buffer.from(keda.keyPem), Buffer.from(keda.certPem)),
    });
    withCertificate.pools.set('team-a', 'p', makeSpec());
    expect(await withCertificate.call('IsActive', ref({ podPoolName: 'p' }))).toEqual({ result: true });
    const without = await setup({ tls, clientCredentials: grpc.credentials.createSsl(Buffer.from(ca.certPem)) });
    without.pools.set('team-a', 'p', makeSpec());
    await expect(without.call('IsActive', ref({ podPoolName: 'p' }))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('reads its certificate, key and client CA from PEM files', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'scaler-tls-'));
    try {
      const files = { certFile: join(directory, 'tls.crt'), keyFile: join(directory, 'tls.key'), clientCaFile: join(directory, 'ca.crt') };
      await Promise.all([
        writeFile(files.certFile, serving.certPem),
        writeFile(files.keyFile, serving.keyPem),
        writeFile(files.clientCaFile, ca.certPem),
      ]);
      const { pools, call } = await setup({
        tls: await readScalerTls(files),
        clientCredentials: grpc.credentials.createSsl(Buffer.from(ca.certPem), Buffer.from(keda.keyPem), Buffer.from(keda.certPem)),
      });
      pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
      expect(await call('IsActive', ref({ podPoolName: 'p' }))).toEqual({ result: false });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('startScalerGrpcServer', () => {
  it('binds, follows pool changes from a source, and stops', async () => {
    const pools = new PoolMap();
    pools.set('team-a', 'p', makeSpec({ targetReadyPods: 0 }));
    let emit: ((key: PoolKey) => void) | undefined;
    const running = await startScalerGrpcServer({
      service: new ScalerService(pools, { clock: { now: () => NOW } }),
      log,
      port: 0,
      host: '127.0.0.1',
      poolChanges: { onChange: (listener) => (emit = listener) },
      publishGraceMs: 0,
    });
    const client = new ExternalScaler(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure()) as unknown as KedaClient;
    try {
      expect(running.port).toBeGreaterThan(0);
      const messages: boolean[] = [];
      client.StreamIsActive(ref({ podPoolName: 'p' })).on('data', (m: { result: boolean }) => messages.push(m.result));
      await expect.poll(() => messages).toEqual([false]);
      pools.set('team-a', 'p', makeSpec({ targetReadyPods: 1 }));
      emit?.(poolKey('team-a', 'p'));
      await expect.poll(() => messages).toEqual([false, true]);
    } finally {
      client.close();
      await running.stop();
    }
    expect(running.openStreamCount()).toBe(0);
  });
});
