import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { scalerHttpRouter } from '../../../src/scaler/http-routes.js';
import { metricsAndHealthApp } from '../../../src/server.js';
import { ScalerService } from '../../../src/scaler/service.js';
import { recommendForPool } from '../../../src/scaling/pool-recommendation.js';
import { at, makeSpec } from '../support/spec.js';
import { busyStatus, PoolMap } from './pool-map.js';

const NOW = at('2026-01-05T10:00:00Z');
const logLines: Array<Record<string, unknown>> = [];
const captureLogger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(
  pools: PoolMap,
  app = express().use(scalerHttpRouter(new ScalerService(pools, { clock: { now: () => NOW } }), { log: captureLogger })),
): Promise<string> {
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server?.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/scaler/v1/namespaces`;
}

describe('the HTTP twin for the metrics-api trigger', () => {
  it('answers the engine recommendation as JSON with desiredReplicas at the top level', async () => {
    const pools = new PoolMap();
    const pool = pools.set('team-a', 'web', makeSpec({ targetReadyPods: 3, scaleUpVelocityThreshold: 4 }), busyStatus(NOW, 12));
    const base = await serve(pools);
    const response = await fetch(`${base}/team-a/podpools/web`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const expected = recommendForPool(pool, NOW);
    expect(expected.mode).toBe('spike');
    expect(await response.json()).toEqual({
      metricName: 'podpool-team-a-web',
      desiredReplicas: expected.desiredReplicas,
      active: true,
      velocity: expected.velocity,
      acceleration: expected.acceleration,
      mode: 'spike',
      reason: expected.reason,
    });
  });

  it('answers 404 with a JSON error for an unknown pool, 400 for a bad name, 503 before the cache syncs', async () => {
    const pools = new PoolMap();
    const base = await serve(pools);
    const missing = await fetch(`${base}/team-a/podpools/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'NotFound', message: expect.stringContaining('team-a/nope') });
    const bad = await fetch(`${base}/team-a/podpools/Bad_Name`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'InvalidArgument' });
    pools.synced = false;
    const early = await fetch(`${base}/team-a/podpools/nope`);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
  });

  it('answers a wrong URL under /scaler with a JSON 404 that shows the right shape', async () => {
    const base = await serve(new PoolMap());
    const wrong = await fetch(`${base}/team-a/podpools`);
    expect(wrong.status).toBe(404);
    expect(await wrong.json()).toEqual({
      error: 'NotFound',
      message: expect.stringContaining('/scaler/v1/namespaces/{namespace}/podpools/{name}'),
    });
  });

  it('reports a pool that wants no pods as inactive with 0', async () => {
    const pools = new PoolMap();
    pools.set('team-a', 'idle', makeSpec({ targetReadyPods: 0 }));
    const base = await serve(pools);
    expect(await (await fetch(`${base}/team-a/podpools/idle`)).json()).toMatchObject({ desiredReplicas: 0, active: false, mode: 'normal' });
  });
});

describe('malformed requests to the HTTP twin', () => {
  const MAX_LOG_LINE_CHARS = 2_000;

  async function expectJsonError(response: Response, status: number, error: string, message: RegExp): Promise<void> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(text).not.toMatch(/<html|<pre>|\sat \S+ \(|node_modules/i);
    expect(text.length).toBeLessThan(1_000);
    expect(JSON.parse(text)).toEqual({ error, message: expect.stringMatching(message) });
  }

  it.each([
    ['a pool name', '/team-a/podpools/%ZZ'],
    ['a namespace', '/%ZZ/podpools/web'],
    ['a long pool name', `/team-a/podpools/${'%ZZ'.repeat(4_000)}`],
  ])('answers a bad percent-escape in %s with a 400 JSON error (no HTML, no stack trace) and one bounded log line', async (_name, path) => {
    const base = await serve(new PoolMap());
    const before = logLines.length;
    await expectJsonError(await fetch(`${base}${path}`), 400, 'InvalidArgument', /percent-escape/);
    const written = logLines.slice(before);
    expect(written).toEqual([expect.objectContaining({ level: 40, msg: 'rejected malformed request', status: 400 })]);
    expect(JSON.stringify(written[0]).length).toBeLessThan(MAX_LOG_LINE_CHARS);
  });

  it('answers the same on the metrics port, which also answers unknown paths with a JSON 404', async () => {
    const pools = new PoolMap();
    const scaler = scalerHttpRouter(new ScalerService(pools, { clock: { now: () => NOW } }), { log: captureLogger });
    const app = metricsAndHealthApp({ ready: () => ({ ok: true, detail: 'ok' }) }, [scaler], { log: captureLogger });
    const base = await serve(pools, app);
    await expectJsonError(await fetch(`${base}/team-a/podpools/%ZZ`), 400, 'InvalidArgument', /percent-escape/);
    const root = base.replace('/scaler/v1/namespaces', '');
    await expectJsonError(await fetch(`${root}/nope/%ZZ`), 404, 'NotFound', /\/metrics/);
    await expectJsonError(await fetch(`${root}/metrics`, { method: 'POST' }), 404, 'NotFound', /POST/);
    expect((await fetch(`${root}/healthz`)).status).toBe(200);
  });
});
