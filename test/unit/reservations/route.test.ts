import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESERVED_BY_ANNOTATION, RESERVED_BY_CALLER_ANNOTATION, STATE_LABEL } from '../../../src/api/labels.js';
import { PodpoolError } from '../../../src/errors.js';
import { reservationsTotal } from '../../../src/metrics.js';
import type { Authenticator } from '../../../src/reservations/auth.js';
import { createReservationsRouter } from '../../../src/reservations/route.js';
import { UnmetDemandRecorder, type UnmetDemandWriter } from '../../../src/reservations/unmet-demand.js';
import { FakeAuthenticator, FakeCluster, NAMESPACE, POOL, readyPod, warmingPod } from './fakes.js';

const BASE = `/api/v1/namespaces/${NAMESPACE}/podpools/${POOL}/reservations`;
const GRANTS = [
  'alice create team-a/sandboxes',
  'alice list team-a/sandboxes',
  'alice delete team-a/sandboxes',
  'alice create team-a/ghost',
  'carol create team-a/sandboxes',
  'carol delete team-a/sandboxes',
  'admin delete team-a/sandboxes',
  'admin release-any team-a/sandboxes',
];
const TOKENS = { 'alice-token': 'alice', 'bob-token': 'bob', 'carol-token': 'carol', 'admin-token': 'admin' };

const logLines: Array<Record<string, unknown>> = [];
const captureLogger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });

let cluster: FakeCluster;
let server: Server;
let url: string;

async function start(
  authenticator: Authenticator = new FakeAuthenticator(TOKENS, GRANTS),
  unmetDemand?: UnmetDemandRecorder,
): Promise<void> {
  const app = express();
  app.use(
    createReservationsRouter({
      source: cluster,
      writer: cluster,
      authenticator,
      unmetDemand,
      log: captureLogger,
      options: { retryAfterSeconds: 7 },
    }),
  );
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function call(method: string, path: string, options: { token?: string | null; body?: unknown; rawBody?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? 'alice-token' : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined || options.rawBody !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  return fetch(`${url}${path}`, { method, headers, body });
}

async function expectError(response: Response, status: number, error: string, message?: RegExp): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await response.json()) as { error: string; message: string };
  expect(body.error).toBe(error);
  expect(body.message).toMatch(message ?? /./);
}

async function stop(): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

async function coldCount(): Promise<number> {
  return (await reservationsTotal.get()).values.find((value) => value.labels.outcome === 'cold' && value.labels.pool === POOL)?.value ?? 0;
}

beforeEach(async () => {
  cluster = new FakeCluster();
  await start();
});
afterEach(stop);

describe('POST reservations', () => {
  it('reserves a ready pod and answers 201 with its name, IP, node and time', async () => {
    cluster.put(readyPod('pod-a'));
    const response = await call('POST', BASE, { body: { user: 'user-1', ttlSeconds: 600 } });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`${BASE}/pod-a`);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      pod: 'pod-a',
      namespace: NAMESPACE,
      pool: POOL,
      user: 'user-1',
      ip: '10.0.0.1',
      node: 'node-pod-a',
      ttlSeconds: 600,
      outcome: 'warm',
    });
    expect(body.reservedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(cluster.reservedOnServer()).toHaveLength(1);
  });

  it('answers 401 without a token, with a rejected token, or with another scheme', async () => {
    cluster.put(readyPod('pod-a'));
    const missing = await call('POST', BASE, { token: null, body: { user: 'u' } });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    await expectError(missing, 401, 'Unauthenticated', /bearer token/);
    await expectError(await call('POST', BASE, { token: 'forged', body: { user: 'u' } }), 401, 'Unauthenticated', /rejected/);
    const basic = await fetch(`${url}${BASE}`, { method: 'POST', headers: { authorization: 'Basic YTpi' } });
    await expectError(basic, 401, 'Unauthenticated');
    expect(cluster.writes).toEqual([]);
  });

  it('answers 403 when RBAC does not allow create on the pool', async () => {
    cluster.put(readyPod('pod-a'));
    await expectError(await call('POST', BASE, { token: 'bob-token', body: { user: 'u' } }), 403, 'Forbidden', /"bob" cannot create/);
    expect(cluster.writes).toEqual([]);
  });

  it('answers 404 for an unknown pool the caller may reserve from', async () => {
    await expectError(
      await call('POST', `/api/v1/namespaces/${NAMESPACE}/podpools/ghost/reservations`, { body: { user: 'u' } }),
      404,
      'NotFound',
      /ghost not found/,
    );
  });

  it('answers 400 for a bad body, bad JSON, a bad wait or a bad name, and 413 for a huge body', async () => {
    cluster.put(readyPod('pod-a'));
    await expectError(await call('POST', BASE, { body: { user: '' } }), 400, 'InvalidArgument', /user/);
    await expectError(await call('POST', BASE, { body: { user: 'u', ttlSeconds: 99999999 } }), 400, 'InvalidArgument', /ttlSeconds/);
    await expectError(await call('POST', BASE, { rawBody: '{"user":' }), 400, 'InvalidArgument', /not valid JSON/);
    await expectError(await call('POST', BASE), 400, 'InvalidArgument', /JSON object/);
    await expectError(await call('POST', `${BASE}?wait=forever`, { body: { user: 'u' } }), 400, 'InvalidArgument', /wait/);
    await expectError(
      await call('POST', '/api/v1/namespaces/Team_A/podpools/x/reservations', { body: { user: 'u' } }),
      400,
      'InvalidArgument',
      /namespace/,
    );
    await expectError(
      await call('POST', BASE, { rawBody: JSON.stringify({ user: 'x'.repeat(20_000) }) }),
      413,
      'InvalidArgument',
      /too large/,
    );
    expect(cluster.writes).toEqual([]);
  });

  it('authenticates before reading the body', async () => {
    await expectError(await call('POST', BASE, { token: null, rawBody: '{bad' }), 401, 'Unauthenticated');
  });

  it('answers 503 with Retry-After when no pod is ready', async () => {
    cluster.put(warmingPod('pod-w'));
    const response = await call('POST', BASE, { body: { user: 'u' } });
    expect(response.headers.get('retry-after')).toBe('7');
    await expectError(response, 503, 'Unavailable', /no ready pod/);
  });

  it('answers 503 until the cache has synced', async () => {
    cluster.synced = false;
    cluster.put(readyPod('pod-a'));
    await expectError(await call('POST', BASE, { body: { user: 'u' } }), 503, 'Unavailable', /loading/);
  });

  it('answers 503 when the API server cannot review the token, and 500 as JSON on a bug', async () => {
    await stop();
    await start({ check: async () => Promise.reject(new PodpoolError('Unavailable', 'cannot reach the API server')) });
    await expectError(await call('POST', BASE, { body: { user: 'u' } }), 503, 'Unavailable', /API server/);
    await stop();
    await start({ check: async () => Promise.reject(new TypeError('boom')) });
    await expectError(await call('POST', BASE, { body: { user: 'u' } }), 500, 'Internal', /operator log/);
  });

  it('with ?wait, holds the request until a pod becomes ready and counts it cold', async () => {
    cluster.put(warmingPod('pod-w'));
    const coldBefore = await coldCount();
    const pending = call('POST', `${BASE}?wait=5s`, { body: { user: 'u' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    cluster.put(readyPod('pod-w'));
    const response = await pending;
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ pod: 'pod-w', outcome: 'cold' });
    expect(await coldCount()).toBe(coldBefore + 1);
  });

  it('serves waiting requests first come, first served', async () => {
    const first = call('POST', `${BASE}?wait=5s`, { body: { user: 'first' } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = call('POST', `${BASE}?wait=300ms`, { body: { user: 'second' } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    cluster.put(readyPod('pod-a'));
    expect(await (await first).json()).toMatchObject({ pod: 'pod-a', user: 'first' });
    const late = await second;
    expect(late.status).toBe(503);
  });

  it('undoes a reservation whose client went away before the answer', async () => {
    cluster.put(readyPod('pod-a'));
    let finishWrite!: () => void;
    cluster.holdNextWrite = new Promise((resolve) => (finishWrite = resolve));
    const client = new AbortController();
    const pending = fetch(`${url}${BASE}`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'u' }),
      signal: client.signal,
    }).catch(() => undefined);
    await expect.poll(() => cluster.writes.length === 0 && cluster.holdNextWrite === undefined).toBe(true);
    client.abort();
    await pending;
    await new Promise((resolve) => setTimeout(resolve, 20));
    finishWrite();
    await expect.poll(() => cluster.deletes).toEqual(['pod-a']);
  });

  it('gives up waiting after the wait and reserves nothing', async () => {
    const response = await call('POST', `${BASE}?wait=100ms`, { body: { user: 'u' } });
    await expectError(response, 503, 'Unavailable', /within the wait/);
    expect(cluster.writes).toEqual([]);
  });
});

describe('unmet demand', () => {
  let added: Array<{ pool: string; count: number }>;

  beforeEach(async () => {
    added = [];
    const writer: UnmetDemandWriter = {
      add: async (_namespace, pool, count) => {
        added.push({ pool, count });
        return 'added';
      },
    };
    const recorder = new UnmetDemandRecorder(writer, { log: pino({ level: 'silent' }) });
    await stop();
    await start(undefined, recorder);
  });

  const total = (): number => added.reduce((sum, entry) => sum + entry.count, 0);

  it('counts each user turned away with a 503 once, however often they retry', async () => {
    for (const user of ['u1', 'u1', 'u2', 'u1']) expect((await call('POST', BASE, { body: { user } })).status).toBe(503);
    await expect.poll(total).toBe(2);
    expect(added.every((entry) => entry.pool === POOL)).toBe(true);
  });

  it('counts a request that waits for a pod once, and a warm reservation not at all', async () => {
    cluster.put(readyPod('pod-a'));
    expect((await call('POST', BASE, { body: { user: 'warm' } })).status).toBe(201);
    const pending = call('POST', `${BASE}?wait=5s`, { body: { user: 'cold' } });
    await expect.poll(total).toBe(1);
    cluster.put(readyPod('pod-b'));
    expect((await pending).status).toBe(201);
    expect(total()).toBe(1);
  });

  it('does not count requests refused before a pool is looked at', async () => {
    expect((await call('POST', BASE, { token: 'bob-token', body: { user: 'u' } })).status).toBe(403);
    expect((await call('POST', BASE, { rawBody: '{bad' })).status).toBe(400);
    cluster.synced = false;
    expect((await call('POST', BASE, { body: { user: 'u' } })).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(added).toEqual([]);
  });
});

describe('GET reservations', () => {
  it('lists the reserved pods of the pool', async () => {
    cluster.put(readyPod('pod-a'));
    cluster.put(readyPod('pod-b'));
    await call('POST', BASE, { body: { user: 'u1' } });
    const response = await call('GET', BASE);
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Array<Record<string, unknown>> };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ user: 'u1', ip: '10.0.0.1' });
  });

  it('needs list permission', async () => {
    await expectError(await call('GET', BASE, { token: 'bob-token' }), 403, 'Forbidden', /cannot list/);
  });
});

describe('DELETE reservations/{pod}', () => {
  it('deletes a reserved pod, also one the cache has not seen reserved yet', async () => {
    cluster.put(readyPod('pod-a'));
    cluster.autoSync = false;
    const reserved = (await (await call('POST', BASE, { body: { user: 'u' } })).json()) as { pod: string };
    const response = await call('DELETE', `${BASE}/${reserved.pod}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ pod: 'pod-a', released: true });
    expect(cluster.deletes).toEqual(['pod-a']);
  });

  it('answers 404 for a pod that is not reserved, unknown, or of another pool', async () => {
    cluster.put(readyPod('ready-pod'));
    const other = readyPod('other-pod', 'other-pool');
    other.metadata!.labels![STATE_LABEL] = 'reserved';
    cluster.put(other);
    await expectError(await call('DELETE', `${BASE}/ready-pod`), 404, 'NotFound');
    await expectError(await call('DELETE', `${BASE}/nope`), 404, 'NotFound');
    await expectError(await call('DELETE', `${BASE}/other-pod`), 404, 'NotFound');
    expect(cluster.deletes).toEqual([]);
  });

  it('releases reserved pods after the PodPool is gone', async () => {
    cluster.put(readyPod('pod-a'));
    await call('POST', BASE, { body: { user: 'u' } });
    cluster.deletePool(POOL);
    expect((await call('DELETE', `${BASE}/pod-a`)).status).toBe(200);
  });

  it('needs delete permission', async () => {
    await expectError(await call('DELETE', `${BASE}/pod-a`, { token: 'bob-token' }), 403, 'Forbidden', /cannot delete/);
  });
});

describe('who may release a reservation', () => {
  const reserveAs = async (token: string, user: string): Promise<string> => {
    const response = await call('POST', BASE, { token, body: { user } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { pod: string }).pod;
  };

  it('records the authenticated caller on the pod, not the user the caller names', async () => {
    cluster.put(readyPod('pod-a'));
    await reserveAs('alice-token', 'carol');
    expect(cluster.server.get(`${NAMESPACE}/pod-a`)?.metadata?.annotations).toMatchObject({
      [RESERVED_BY_ANNOTATION]: 'carol',
      [RESERVED_BY_CALLER_ANNOTATION]: 'alice',
    });
  });

  it('answers 403 to a caller allowed to delete who did not reserve the pod, and keeps the pod', async () => {
    cluster.put(readyPod('pod-a'));
    const pod = await reserveAs('alice-token', 'carol');
    await expectError(
      await call('DELETE', `${BASE}/${pod}`, { token: 'carol-token' }),
      403,
      'Forbidden',
      /"carol" cannot release pod-a: another caller reserved it.*release-any/,
    );
    expect(cluster.deletes).toEqual([]);
    expect((await call('DELETE', `${BASE}/${pod}`, { token: 'alice-token' })).status).toBe(200);
    expect(cluster.deletes).toEqual(['pod-a']);
  });

  it('lets the reserving caller release without asking RBAC about release-any', async () => {
    cluster.put(readyPod('pod-a'));
    const authenticator = new FakeAuthenticator(TOKENS, GRANTS);
    await stop();
    await start(authenticator);
    const pod = await reserveAs('alice-token', 'u');
    expect((await call('DELETE', `${BASE}/${pod}`)).status).toBe(200);
    expect(authenticator.accesses.map((access) => access.verb)).toEqual(['create', 'delete']);
  });

  it("lets a caller granted release-any release another caller's reservation", async () => {
    cluster.put(readyPod('pod-a'));
    const pod = await reserveAs('alice-token', 'u');
    const response = await call('DELETE', `${BASE}/${pod}`, { token: 'admin-token' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ pod: 'pod-a', released: true });
    expect(cluster.deletes).toEqual(['pod-a']);
  });

  it('releases a pod reserved without a recorded caller (by hand, or before callers were recorded) only with release-any', async () => {
    const handReserved = readyPod('pod-a');
    handReserved.metadata!.labels![STATE_LABEL] = 'reserved';
    handReserved.metadata!.annotations = { [RESERVED_BY_ANNOTATION]: 'alice' };
    cluster.put(handReserved);
    await expectError(
      await call('DELETE', `${BASE}/pod-a`, { token: 'alice-token' }),
      403,
      'Forbidden',
      /no caller was recorded.*release-any/,
    );
    expect(cluster.deletes).toEqual([]);
    expect((await call('DELETE', `${BASE}/pod-a`, { token: 'admin-token' })).status).toBe(200);
  });

  it('answers 404 before 403: an unknown reservation is not found for anyone', async () => {
    await expectError(await call('DELETE', `${BASE}/nope`, { token: 'carol-token' }), 404, 'NotFound');
  });
});

describe('malformed requests', () => {
  const MAX_LOG_LINE_CHARS = 2_000;

  /** The log lines `send` writes; every malformed request must write exactly one, bounded. */
  async function loggedBy(send: () => Promise<void>): Promise<Array<Record<string, unknown>>> {
    const before = logLines.length;
    await send();
    const written = logLines.slice(before);
    for (const line of written) expect(JSON.stringify(line).length).toBeLessThan(MAX_LOG_LINE_CHARS);
    return written;
  }

  const gzipPost = (body: Buffer | string, encoding = 'gzip') =>
    fetch(`${url}${BASE}`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json', 'content-encoding': encoding },
      body,
    });

  it('answers a body that is not the gzip its Content-Encoding claims with a 400 JSON error, and still reads real gzip', async () => {
    cluster.put(readyPod('pod-a'));
    const written = await loggedBy(async () => {
      await expectError(await gzipPost('this is not gzip'), 400, 'InvalidArgument', /Content-Encoding/);
    });
    expect(written).toEqual([expect.objectContaining({ level: 40, msg: 'rejected malformed request', status: 400 })]);
    await expectError(await gzipPost('{"user":"u"}', 'compress'), 415, 'InvalidArgument', /unsupported content encoding "compress"/);
    expect(cluster.writes).toEqual([]);
    const real = await gzipPost(gzipSync(JSON.stringify({ user: 'u' })));
    expect(real.status).toBe(201);
  });

  it.each([
    ['POST', '/api/v1/namespaces/x/podpools/%ZZ/reservations'],
    ['GET', '/api/v1/namespaces/%ZZ/podpools/x/reservations'],
    ['DELETE', `${BASE}/%E0%A4%A`],
  ])('answers %s %s (a bad percent-escape) with a 400 JSON error and one log line', async (method, path) => {
    const written = await loggedBy(async () => {
      await expectError(
        await call(method, path, method === 'POST' ? { body: { user: 'u' } } : {}),
        400,
        'InvalidArgument',
        /percent-escape/,
      );
    });
    expect(written).toEqual([expect.objectContaining({ level: 40, msg: 'rejected malformed request', status: 400 })]);
    expect(cluster.writes).toEqual([]);
  });

  it('repeats only a bounded part of a long malformed path in its answer and log line', async () => {
    const path = `/api/v1/namespaces/x/podpools/${'%ZZ'.repeat(4_000)}/reservations`;
    const written = await loggedBy(async () => {
      const response = await call('GET', path);
      expect((await response.clone().text()).length).toBeLessThan(1_000);
      await expectError(response, 400, 'InvalidArgument', /percent-escape/);
    });
    expect(written).toHaveLength(1);
  });

  it('answers paths and methods it does not serve with a JSON 404, never an HTML page', async () => {
    await expectError(await call('GET', '/'), 404, 'NotFound', /reservations/);
    await expectError(await call('PUT', BASE, { body: { user: 'u' } }), 404, 'NotFound', /PUT/);
    await expectError(await call('GET', `/nope/${'%ZZ'.repeat(10)}`), 404, 'NotFound');
  });
});
