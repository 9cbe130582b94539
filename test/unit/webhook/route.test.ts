import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_LABEL, STATE_LABEL } from '../../../src/api/labels.js';
import { admissionRequestsTotal } from '../../../src/metrics.js';
import { newCertificateBundle, type CertificateBundle } from '../../../src/tls/certificates.js';
import type { LivePoolReader } from '../../../src/webhook/live-pool-reader.js';
import { webhookHandler } from '../../../src/webhook/route.js';
import { ReloadableHttpsServer } from '../../../src/tls/reloadable-https-server.js';
import { httpsRequest, makePool, poolReader, review } from './support.js';

const MAX_BODY_BYTES = 64 * 1024;
let certificates: CertificateBundle;
let server: ReloadableHttpsServer;
let url: string;
const logLines: Array<Record<string, unknown>> = [];
const bufferLogger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });

beforeAll(async () => {
  certificates = await newCertificateBundle({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, new Date());
  const app = webhookHandler({ pools: poolReader([makePool('team-a', 'sandboxes')]), log: bufferLogger, maxBodyBytes: MAX_BODY_BYTES });
  server = new ReloadableHttpsServer('webhook', app, certificates.serving);
  const { port } = await server.listen(0, '127.0.0.1');
  url = `https://127.0.0.1:${port}/mutate-v1-pod`;
});
afterAll(async () => {
  await server.close();
});

const JSON_HEADERS = { 'content-type': 'application/json' };
const post = (body: string | Buffer, headers: Record<string, string> = JSON_HEADERS, target = url) =>
  httpsRequest(target, { ca: certificates.trustBundlePem, headers, body });
const poolPod = (labels: Record<string, string> = {}) => ({ metadata: { name: 'p1', labels: { [POOL_LABEL]: 'sandboxes', ...labels } } });

async function outcomeCount(outcome: string): Promise<number> {
  const metric = await admissionRequestsTotal.get();
  return metric.values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
}

describe('POST /mutate-v1-pod', () => {
  it('answers a pool pod with an AdmissionReview carrying the uid and a JSON patch', async () => {
    const answer = await post(JSON.stringify(review(poolPod())));
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text);
    expect(body.response).toMatchObject({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true, patchType: 'JSONPatch' });
    const patch = JSON.parse(Buffer.from(body.response.patch, 'base64').toString());
    expect(patch).toContainEqual({ op: 'add', path: '/metadata/labels/podpool.dev~1state', value: 'warming' });
  });

  it('answers a denial with 200 and allowed false (the API server, not HTTP, carries the refusal)', async () => {
    const answer = await post(JSON.stringify(review(poolPod({ [STATE_LABEL]: 'reserved' }))));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).response).toMatchObject({ allowed: false, status: { code: 403 } });
  });

  it.each([
    ['invalid JSON', '{"apiVersion":', JSON_HEADERS, 400, /entity.parse.failed/],
    ['a JSON string', '"AdmissionReview"', JSON_HEADERS, 400, /entity.parse.failed/],
    ['an empty body', '', JSON_HEADERS, 400, /the request has no body/],
    ['an empty JSON object', '{}', JSON_HEADERS, 400, /got apiVersion <unset> and kind <unset>/],
    [
      'a wrong apiVersion',
      JSON.stringify({ ...review(poolPod()), apiVersion: 'v1' }),
      JSON_HEADERS,
      400,
      /expected apiVersion admission.k8s.io\/v1/,
    ],
    [
      'a missing request',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
      JSON_HEADERS,
      400,
      /request is missing/,
    ],
    ['a missing object', JSON.stringify(review(undefined)), JSON_HEADERS, 400, /request.object is missing/],
    [
      'a wrong content type',
      JSON.stringify(review(poolPod())),
      { 'content-type': 'text/plain' },
      400,
      /Content-Type must be application\/json, got "text\/plain"/,
    ],
    ['no content type', JSON.stringify(review(poolPod())), {}, 400, /Content-Type application\/json is required/],
    ['a gzip body', 'x', { ...JSON_HEADERS, 'content-encoding': 'gzip' }, 400, /encoding.unsupported/],
    [
      'a body over the limit',
      JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }),
      JSON_HEADERS,
      400,
      /entity.too.large: body larger than 65536 bytes/,
    ],
  ])('rejects %s with a JSON error and one log line', async (_name, body, headers, status, message) => {
    const before = await outcomeCount('bad_request');
    const linesBefore = logLines.length;
    const answer = await post(body, headers as Record<string, string>);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const error = JSON.parse(answer.text) as Record<string, unknown>;
    expect(error.error).toMatch(message);
    expect(error).not.toHaveProperty('response');
    expect(await outcomeCount('bad_request')).toBe(before + 1);
    const written = logLines.slice(linesBefore);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ level: 40, msg: 'rejected admission request', status, reason: expect.stringMatching(message) });
  });

  it('logs a client that goes away mid-body as a rejected request, not as a webhook failure', async () => {
    const linesBefore = logLines.length;
    const target = new URL(url);
    const sent = request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      ca: certificates.trustBundlePem,
      headers: { ...JSON_HEADERS, 'content-length': '1000' },
    });
    sent.on('error', () => undefined);
    sent.write('{"apiVersion":');
    await new Promise((resolve) => setTimeout(resolve, 100));
    sent.destroy();
    const deadline = Date.now() + 5_000;
    while (logLines.length === linesBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logLines.slice(linesBefore)).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'rejected admission request',
        reason: expect.stringMatching(/the request body was cut off/),
      }),
    ]);
  });

  it('answers other methods with 405 and other paths with 404', async () => {
    const linesBefore = logLines.length;
    const get = await httpsRequest(url, { ca: certificates.trustBundlePem, method: 'GET' });
    expect(get.status).toBe(405);
    expect(logLines.slice(linesBefore)).toEqual([expect.objectContaining({ msg: 'rejected admission request', status: 405 })]);
    expect(get.headers.allow).toBe('POST');
    expect((await post('{}', JSON_HEADERS, url.replace('mutate-v1-pod', 'validate'))).status).toBe(404);
  });

  it('keeps answering hundreds of random and malformed bodies with 4xx, and keeps working', async () => {
    const valid = JSON.stringify(review(poolPod()));
    const reviewWith = (field: string, value: unknown) => {
      const body = review(poolPod()) as { request: Record<string, unknown> };
      body.request[field] = value;
      return JSON.stringify(body);
    };
    const generators: Array<() => { body: string | Buffer; headers: Record<string, string> }> = [
      () => ({ body: randomBytes(Math.floor(Math.random() * 2048)), headers: JSON_HEADERS }),
      () => ({ body: valid.slice(0, Math.floor(Math.random() * valid.length)), headers: JSON_HEADERS }),
      () => ({ body: JSON.stringify(fc.sample(fc.jsonValue(), 1)[0]), headers: JSON_HEADERS }),
      () => ({
        body: reviewWith(
          fc.sample(fc.constantFrom('uid', 'kind', 'operation', 'object', 'namespace', 'dryRun'), 1)[0]!,
          fc.sample(fc.anything(), 1)[0],
        ),
        headers: JSON_HEADERS,
      }),
      () => ({ body: JSON.stringify(review({ metadata: fc.sample(fc.object(), 1)[0] })), headers: JSON_HEADERS }),
      () => ({ body: '['.repeat(30_000), headers: JSON_HEADERS }),
      () => ({ body: Buffer.from([0xff, 0xfe, 0x7b]), headers: { 'content-type': 'application/json; charset=utf-16' } }),
      () => ({ body: valid, headers: { 'content-type': fc.sample(fc.string(), 1)[0] || 'x/y' } }),
    ];
    const statuses = new Map<number, number>();
    const rejectedBefore = logLines.filter((line) => line.msg === 'rejected admission request').length;
    const rounds = 400;
    for (let index = 0; index < rounds; index += 10) {
      const batch = Array.from({ length: 10 }, (_, offset) => generators[(index + offset) % generators.length]!());
      const answers = await Promise.all(batch.map(({ body, headers }) => post(body, headers)));
      for (const answer of answers) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect(answer.status, answer.text).toBeLessThan(500);
        expect(() => JSON.parse(answer.text)).not.toThrow();
      }
    }
    expect([...statuses.keys()].every((status) => [200, 400].includes(status))).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(rounds / 2);
    expect(logLines.filter((line) => line.msg === 'rejected admission request').length - rejectedBefore).toBe(statuses.get(400));
    const after = await post(valid);
    expect(after.status).toBe(200);
    expect(JSON.parse(after.text).response.allowed).toBe(true);
    // 400 requests, some of 30,000 nested brackets: seconds on a loaded 2-core machine.
  }, 60_000);
});

describe('POST /mutate-v1-pod with hostile input, at the production body limit', () => {
  const MAX_LOG_LINE_CHARS = 2_000;
  const liveReads: string[] = [];
  let hostileServer: ReloadableHttpsServer;
  let hostileUrl: string;

  beforeAll(async () => {
    // Fails like an API server refusing a 1 MB name: a pool name must never get this far.
    const livePools: LivePoolReader = {
      readPool: (namespace, name) => {
        liveReads.push(`${namespace}/${name}`);
        return Promise.reject(new Error('the API server refused the request'));
      },
    };
    hostileServer = new ReloadableHttpsServer(
      'webhook',
      webhookHandler({ pools: poolReader([makePool('team-a', 'sandboxes')]), livePools, log: bufferLogger }),
      certificates.serving,
    );
    const { port } = await hostileServer.listen(0, '127.0.0.1');
    hostileUrl = `https://127.0.0.1:${port}/mutate-v1-pod`;
  });
  afterAll(async () => {
    await hostileServer.close();
  });

  const postHostile = (body: unknown) =>
    httpsRequest(hostileUrl, {
      ca: certificates.trustBundlePem,
      headers: JSON_HEADERS,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const huge = 'a'.repeat(1_000_000);

  it.each([
    [
      'an apiVersion nested 100,000 lists deep',
      `{"apiVersion":${'['.repeat(100_000)}${']'.repeat(100_000)},"kind":"AdmissionReview"}`,
      /expected apiVersion admission.k8s.io\/v1/,
    ],
    ['a 1 MB label key', review({ metadata: { labels: { [huge]: 1 } } }), /must be a string/],
    ['a 1 MB namespace', review(poolPod(), { namespace: huge }), /not a valid namespace name/],
  ])('rejects %s with a 400 JSON error and one bounded log line', async (_name, body, message) => {
    const linesBefore = logLines.length;
    const answer = await postHostile(body);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const error = JSON.parse(answer.text) as { error: string };
    expect(error.error).toMatch(/^invalid AdmissionReview: /);
    expect(error.error).toMatch(message);
    expect(answer.text.length).toBeLessThan(1_000);
    const written = logLines.slice(linesBefore);
    expect(written).toEqual([expect.objectContaining({ level: 40, msg: 'rejected admission request', status: 400 })]);
    expect(JSON.stringify(written[0]).length).toBeLessThan(MAX_LOG_LINE_CHARS);
  });

  it('denies a pod whose pool label is 1 MB, without a live GET and without repeating the label', async () => {
    const readsBefore = liveReads.length;
    const linesBefore = logLines.length;
    const answer = await postHostile(review({ metadata: { generateName: 'x-', labels: { [POOL_LABEL]: huge } } }));
    expect(answer.status).toBe(200);
    const response = JSON.parse(answer.text).response as { allowed: boolean; status: { code: number; message: string } };
    expect(response).toMatchObject({
      allowed: false,
      status: { code: 403, message: expect.stringMatching(/is not a valid PodPool name/) },
    });
    expect(response.status.message.length).toBeLessThan(1_000);
    expect(liveReads.length).toBe(readsBefore);
    const written = logLines.slice(linesBefore);
    expect(written).toEqual([expect.objectContaining({ msg: 'denied pod' })]);
    expect(JSON.stringify(written[0]).length).toBeLessThan(MAX_LOG_LINE_CHARS);
  });

  it('still confirms a well-formed unknown pool with the API server (and fails open when it cannot)', async () => {
    const readsBefore = liveReads.length;
    const answer = await postHostile(review({ metadata: { generateName: 'x-', labels: { [POOL_LABEL]: 'fresh' } } }));
    expect(JSON.parse(answer.text).response).toMatchObject({ allowed: true });
    expect(liveReads.slice(readsBefore)).toEqual(['team-a/fresh']);
  });
});
