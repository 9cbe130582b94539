import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReservationsClient } from '../../../src/reservations/client.js';
import { createReservationsRouter } from '../../../src/reservations/route.js';
import { FakeAuthenticator, FakeCluster, NAMESPACE, POOL, readyPod } from './fakes.js';

let server: Server;
let baseUrl: string;
const cluster = new FakeCluster();

beforeAll(async () => {
  const authenticator = new FakeAuthenticator(
    { t: 'alice' },
    ['create', 'list', 'delete'].map((verb) => `alice ${verb} ${NAMESPACE}/${POOL}`),
  );
  const app = express().use(createReservationsRouter({ source: cluster, writer: cluster, authenticator, log: pino({ level: 'silent' }) }));
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('ReservationsClient', () => {
  it('reserves, lists and releases', async () => {
    cluster.put(readyPod('pod-a'));
    const client = new ReservationsClient({ baseUrl, token: 't' });
    const reservation = await client.reserve(NAMESPACE, POOL, { user: 'u', ttlSeconds: 60 }, 1);
    expect(reservation).toMatchObject({ pod: 'pod-a', user: 'u', ttlSeconds: 60, outcome: 'warm' });
    expect(await client.list(NAMESPACE, POOL)).toHaveLength(1);
    expect(await client.release(NAMESPACE, POOL, 'pod-a')).toMatchObject({ pod: 'pod-a' });
  });

  it('turns error answers into typed errors with the server message', async () => {
    await expect(new ReservationsClient({ baseUrl, token: 'nope' }).list(NAMESPACE, POOL)).rejects.toMatchObject({
      code: 'Unauthenticated',
    });
    await expect(new ReservationsClient({ baseUrl, token: 't' }).reserve(NAMESPACE, POOL, { user: 'u' })).rejects.toMatchObject({
      code: 'Unavailable',
      message: expect.stringMatching(/no ready pod.*retry after 5 s/),
    });
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => new ReservationsClient({ baseUrl: 'ftp://x', token: 't' })).toThrow(/https/);
    expect(() => new ReservationsClient({ baseUrl: 'not a url', token: 't' })).toThrow(/not a URL/);
  });
});
