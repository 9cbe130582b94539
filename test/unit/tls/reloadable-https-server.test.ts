import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../../src/metrics.js';
import { CertificateDirectory } from '../../../src/tls/certificate-directory.js';
import { newCertificateBundle, type CertificateBundle, type PemPair } from '../../../src/tls/certificates.js';
import { ReloadableHttpsServer } from '../../../src/tls/reloadable-https-server.js';
import { httpsRequest } from '../webhook/support.js';

const identity = { dnsNames: ['podpool-webhook.podpool-system.svc'], ipAddresses: ['127.0.0.1'] };
const silent = pino({ level: 'silent' });
let first: CertificateBundle;
let second: CertificateBundle;
let server: ReloadableHttpsServer | undefined;

beforeAll(async () => {
  [first, second] = await Promise.all([newCertificateBundle(identity, new Date()), newCertificateBundle(identity, new Date())]);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(certificate?: PemPair): Promise<string> {
  server = new ReloadableHttpsServer('reservations', (_req, res) => res.end('ok'), certificate);
  if (certificate === undefined) return '';
  const address = await server.listen(0, '127.0.0.1');
  return `https://127.0.0.1:${address.port}/`;
}

describe('ReloadableHttpsServer', () => {
  it('serves new connections with a swapped certificate, without a restart', async () => {
    const url = await serve(first.serving);
    expect((await httpsRequest(url, { ca: first.trustBundlePem, method: 'GET' })).text).toBe('ok');
    await expect(httpsRequest(url, { ca: second.trustBundlePem, method: 'GET' })).rejects.toThrow();

    server!.setCertificate(second.serving);

    expect((await httpsRequest(url, { ca: second.trustBundlePem, method: 'GET' })).text).toBe('ok');
    await expect(httpsRequest(url, { ca: first.trustBundlePem, method: 'GET' })).rejects.toThrow(
      /self-signed|unable to verify|certificate/i,
    );
  });

  it('keeps the current certificate when given one whose key does not match', async () => {
    const url = await serve(first.serving);
    expect(() => server!.setCertificate({ certPem: second.serving.certPem, keyPem: first.serving.keyPem })).toThrow(
      /unusable serving certificate/,
    );
    expect(() => server!.setCertificate({ certPem: 'not a pem', keyPem: 'nor this' })).toThrow(/unusable serving certificate/);
    expect(server!.currentCertificate()).toBe(first.serving);
    expect((await httpsRequest(url, { ca: first.trustBundlePem, method: 'GET' })).status).toBe(200);
  });

  it('refuses to listen before it has a certificate', async () => {
    await serve();
    await expect(server!.listen(0, '127.0.0.1')).rejects.toThrow(/no certificate yet/);
  });

  it('exports the expiry of the certificate it serves, labelled with its name', async () => {
    await serve(first.serving);
    const metrics = await registry.getSingleMetricAsString('podpool_tls_certificate_expiry_timestamp_seconds');
    const expiry = Number(/\{server="reservations"\} (\d+(\.\d+)?)$/m.exec(metrics)?.[1]);
    expect(expiry * 1000).toBeGreaterThan(Date.now() + 80 * 86_400_000);
  });
});

describe('CertificateDirectory (cert-manager files)', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'podpool-webhook-certs-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  // Write-then-rename, as the kubelet updates mounted Secrets: a poll never sees half a file.
  const writeAtomically = async (file: string, text: string): Promise<void> => {
    await writeFile(join(directory, `.${file}.tmp`), text);
    await rename(join(directory, `.${file}.tmp`), join(directory, file));
  };
  const write = async (pair: PemPair): Promise<void> => {
    await writeAtomically('tls.key', pair.keyPem);
    await writeAtomically('tls.crt', pair.certPem);
  };

  it('loads tls.crt/tls.key, reloads them when they change, and keeps serving through bad files', async () => {
    await write(first.serving);
    server = new ReloadableHttpsServer('webhook', (_req, res) => res.end('ok'));
    const files = new CertificateDirectory(directory, server, { log: silent });
    expect(await files.reload()).toBe(true);
    expect(await files.reload()).toBe(false);
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `https://127.0.0.1:${port}/`;
    expect((await httpsRequest(url, { ca: first.trustBundlePem, method: 'GET' })).text).toBe('ok');

    // cert-manager between writing the two files: the pair does not match, nothing changes.
    await writeFile(join(directory, 'tls.crt'), second.serving.certPem);
    await expect(files.reload()).rejects.toThrow(/unusable serving certificate/);
    expect((await httpsRequest(url, { ca: first.trustBundlePem, method: 'GET' })).text).toBe('ok');

    await write(second.serving);
    expect(await files.reload()).toBe(true);
    expect((await httpsRequest(url, { ca: second.trustBundlePem, method: 'GET' })).text).toBe('ok');
  });

  it('says which directory it could not read', async () => {
    const files = new CertificateDirectory(join(directory, 'missing'), { setCertificate: () => {} }, { log: silent });
    await expect(files.reload()).rejects.toThrow(/cannot read tls.crt and tls.key from .*missing/);
  });

  it('polls on start', async () => {
    await write(first.serving);
    const loaded: PemPair[] = [];
    const files = new CertificateDirectory(directory, { setCertificate: (pair) => loaded.push(pair) }, { log: silent, pollIntervalMs: 10 });
    files.start();
    await expect.poll(() => loaded.length).toBe(1);
    await write(second.serving);
    // The files change one at a time, so the target may see the mixed pair first; it settles on the new one.
    await expect.poll(() => loaded.at(-1)).toEqual(second.serving);
    files.stop();
  });
});
