import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionReusingKubeConfig } from '../../../src/kube/kube-config.js';
import { signCertificate, type PemPair } from '../../../src/tls/index.js';

let server: Server;
let url: string;
let authority: PemPair;
let connections = 0;
const DAY = 86_400_000;

beforeAll(async () => {
  authority = await signCertificate({ commonName: 'test-ca', now: new Date(), lifetimeMs: DAY });
  const serving = await signCertificate({
    commonName: 'localhost',
    now: new Date(),
    lifetimeMs: DAY,
    issuer: authority,
    leaf: { serverAuth: true, ipAddresses: ['127.0.0.1'] },
  });
  server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    // A watch: the stream stays open, sending nothing, until the client goes.
    if (req.url?.includes('watch=true')) return void res.flushHeaders();
    res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
  });
  server.on('secureConnection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function load(config: KubeConfig, caPem: string): KubeConfig {
  config.loadFromOptions({
    clusters: [{ name: 'c', server: url, caData: Buffer.from(caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', token: 'secret' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
}

async function connectionsFor(config: KubeConfig, calls: number): Promise<number> {
  const before = connections;
  const core = config.makeApiClient(CoreV1Api);
  for (let i = 0; i < calls; i++) await core.listNamespace();
  return connections - before;
}

describe('ConnectionReusingKubeConfig', () => {
  // undici's pool may open a second connection when a call is sent before the last one's socket
  // is free again; what matters is that connections do not grow with calls.
  it('sends the API calls of one identity over a pool of kept-alive connections', async () => {
    const config = load(new ConnectionReusingKubeConfig(), authority.certPem) as ConnectionReusingKubeConfig;
    expect(await connectionsFor(config, 20)).toBeLessThanOrEqual(2);
    await config.closeConnections();
    // After closing, the next call opens a new connection rather than failing.
    const afterClose = await connectionsFor(config, 20);
    expect(afterClose).toBeGreaterThanOrEqual(1);
    expect(afterClose).toBeLessThanOrEqual(2);
    await config.closeConnections();
  });

  it('opens a new connection when the TLS identity changes (a rotated CA)', async () => {
    const config = new ConnectionReusingKubeConfig();
    load(config, authority.certPem);
    expect(await connectionsFor(config, 10)).toBeLessThanOrEqual(2);
    expect(await connectionsFor(config, 10)).toBe(0);
    // Same CA with a trailing newline: different bytes, so a different identity and new connections.
    load(config, `${authority.certPem}\n`);
    expect(await connectionsFor(config, 10)).toBeGreaterThanOrEqual(1);
    await config.closeConnections();
  });

  it('gives each watch a connection of its own, apart from the shared calls', async () => {
    const config = load(new ConnectionReusingKubeConfig(), authority.certPem) as ConnectionReusingKubeConfig;
    expect(await connectionsFor(config, 5)).toBeGreaterThanOrEqual(1);
    const before = connections;
    const watches = await Promise.all(
      [1, 2].map(() =>
        new Watch(config).watch(
          '/api/v1/namespaces',
          {},
          () => undefined,
          () => undefined,
        ),
      ),
    );
    expect(connections - before).toBe(2);
    expect(await connectionsFor(config, 5)).toBe(0);
    for (const watch of watches) watch.abort();
    await config.closeConnections();
  });

  it("works around client-node's new agent per call (if this starts failing, client-node reuses connections itself)", async () => {
    expect(await connectionsFor(load(new KubeConfig(), authority.certPem), 10)).toBe(10);
  });
});
