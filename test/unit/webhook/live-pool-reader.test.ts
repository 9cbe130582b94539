import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeLivePoolReader } from '../../../src/webhook/live-pool-reader.js';
import { makePool } from './support.js';

const pool = makePool('team-a', 'sandboxes');
let server: Server;
const requests: string[] = [];

/** A stand-in API server: the pool, a 404, a 403, and a path that never answers. */
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url?.endsWith('/podpools/sandboxes'))
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pool));
    if (req.url?.endsWith('/podpools/forbidden'))
      return void res.writeHead(403, { 'content-type': 'application/json' }).end('{"kind":"Status","code":403}');
    if (req.url?.endsWith('/podpools/slow')) return;
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function reader(timeoutMs?: number): KubeLivePoolReader {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    { name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    { name: 'u' },
  );
  return KubeLivePoolReader.fromKubeConfig(kubeConfig, timeoutMs);
}

describe('KubeLivePoolReader', () => {
  it('GETs the PodPool from the API server', async () => {
    expect(await reader().readPool('team-a', 'sandboxes')).toEqual(pool);
    expect(requests.at(-1)).toBe('/apis/podpool.dev/v1alpha1/namespaces/team-a/podpools/sandboxes');
  });

  it('reads a 404 as no such pool', async () => {
    expect(await reader().readPool('team-a', 'nope')).toBeUndefined();
  });

  it('throws on any other answer, and gives up after its timeout', async () => {
    await expect(reader().readPool('team-a', 'forbidden')).rejects.toBeInstanceOf(ApiException);
    const started = Date.now();
    await expect(reader(100).readPool('team-a', 'slow')).rejects.toThrow(/abort|timeout|timed out/i);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
