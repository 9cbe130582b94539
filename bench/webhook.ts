/**
 * `npm run bench:webhook [-- --rate 200 --seconds 1 --rounds 15 --json]`
 *
 * Admission latency over TLS at a fixed request rate: the podpool webhook (express, parsing,
 * decision, JSON patch) against a bare node:https server that answers the very same bytes, side
 * by side in one run. The servers run in a worker thread so the load generator's own event loop
 * does not sit inside the measured latency; rounds alternate between the two servers so machine
 * noise falls on both. The load is open-loop: requests go out on a fixed schedule, not when the
 * previous answer arrives, so a slow server cannot slow the load down and hide its own queueing.
 */
import { Agent, createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { pino } from 'pino';
import { API_GROUP_VERSION, KIND, POOL_LABEL } from '../src/api/labels.js';
import type { PodPool } from '../src/api/schema.js';
import { admit } from '../src/webhook/admission.js';
import { newCertificateBundle } from '../src/tls/certificates.js';
import { admissionReviewBody, parseAdmissionReview } from '../src/webhook/review.js';
import { webhookHandler } from '../src/webhook/route.js';
import { ReloadableHttpsServer } from '../src/tls/reloadable-https-server.js';
import { figure, recordResults } from './results.js';

const PATH = '/mutate-v1-pod';

const pool: PodPool = {
  apiVersion: API_GROUP_VERSION,
  kind: KIND,
  metadata: { namespace: 'team-a', name: 'sandboxes' },
  spec: {
    minPoolSize: 2,
    maxPoolSize: 200,
    targetReadyPods: 3,
    availability: 0.99,
    timeZone: 'UTC',
    scaleDownStabilizationSeconds: 300,
    podTemplate: {
      metadata: { labels: { app: 'sandbox', tier: 'interactive' } },
      spec: { containers: [{ name: 'sandbox', image: 'sandbox:1.4.2' }] },
    },
  },
};

/** A pool pod the way the API server sends it: a few KB with containers, volumes and probes. */
function admissionReviewRequest(): string {
  const container = (name: string) => ({
    name,
    image: `${name}:1.4.2`,
    args: ['--listen', ':8080', '--workspace', '/workspace'],
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: Array.from({ length: 8 }, (_, index) => ({ name: `SETTING_${index}`, value: `value-${index}` })),
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
    volumeMounts: [
      { name: 'workspace', mountPath: '/workspace' },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 2 },
    terminationMessagePath: '/dev/termination-log',
    imagePullPolicy: 'IfNotPresent',
  });
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '0df28fbd-5f5f-11e8-b0d2-42010a800004',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'team-a',
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:podpool-system:podpool',
        uid: 'a1b2',
        groups: ['system:serviceaccounts', 'system:authenticated'],
      },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: 'sandboxes-',
          namespace: 'team-a',
          labels: { [POOL_LABEL]: 'sandboxes' },
          ownerReferences: [
            { apiVersion: API_GROUP_VERSION, kind: KIND, name: 'sandboxes', uid: '6f1c', controller: true, blockOwnerDeletion: true },
          ],
        },
        spec: {
          containers: [container('sandbox'), container('sidecar')],
          volumes: [
            { name: 'workspace', emptyDir: {} },
            { name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } },
          ],
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          serviceAccountName: 'default',
          schedulerName: 'default-scheduler',
          tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
        },
        status: {},
      },
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  });
}

interface ServerPorts {
  webhook: number;
  bare: number;
  trustBundlePem: string;
  answerBytes: number;
}

/** Worker: both servers, same certificate; the bare one answers exactly the webhook's bytes. */
async function runServers(): Promise<void> {
  const certificates = await newCertificateBundle({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, new Date());
  const reader = {
    getPool: (namespace: string, name: string) => (namespace === 'team-a' && name === 'sandboxes' ? pool : undefined),
    hasSynced: () => true,
  };
  const answer = Buffer.from(
    JSON.stringify(admissionReviewBody(admit(parseAdmissionReview(JSON.parse(admissionReviewRequest())), reader).response)),
  );

  const webhook = new ReloadableHttpsServer(
    'webhook',
    webhookHandler({ pools: reader, log: pino({ level: 'silent' }) }),
    certificates.serving,
  );
  const bare = createServer({ cert: certificates.serving.certPem, key: certificates.serving.keyPem }, (req, res) => {
    // Read the whole body first, as the webhook must, so both pay for receiving the request.
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': answer.length });
      res.end(answer);
    });
  });
  bare.keepAliveTimeout = 120_000;
  const webhookAddress = await webhook.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const ports: ServerPorts = {
    webhook: webhookAddress.port,
    bare: (bare.address() as AddressInfo).port,
    trustBundlePem: certificates.trustBundlePem,
    answerBytes: answer.length,
  };
  parentPort!.postMessage(ports);
}

function post(agent: Agent, port: number, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: PATH,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RoundResult {
  latenciesMs: number[];
  errors: number;
  elapsedMs: number;
}

/**
 * Sends `rate` requests per second for `seconds`: each goes out once its due time has passed,
 * whether or not earlier ones returned (open loop). Latency runs from the moment the request is
 * handed to the agent, so time spent queued behind busy connections counts against the server.
 */
async function openLoop(agent: Agent, port: number, body: string, rate: number, seconds: number): Promise<RoundResult> {
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const latenciesMs: number[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  let next = 0;
  while (next < total) {
    // Timers fire late, never early: send everything that has come due, then sleep until the next.
    while (next < total && start + next * intervalMs <= performance.now()) {
      const sentAt = performance.now();
      inFlight.push(
        post(agent, port, body).then(
          (answer) => {
            if (answer.status === 200) latenciesMs.push(performance.now() - sentAt);
            else errors += 1;
          },
          () => {
            errors += 1;
          },
        ),
      );
      next += 1;
    }
    if (next < total) await sleep(Math.max(0, start + next * intervalMs - performance.now()));
  }
  await Promise.all(inFlight);
  return { latenciesMs, errors, elapsedMs: performance.now() - start };
}

function percentile(sorted: number[], share: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}

interface Summary {
  requests: number;
  errors: number;
  achievedRate: number;
  p50: number;
  p99: number;
  max: number;
}

function summarize(rounds: RoundResult[]): Summary {
  const sorted = rounds.flatMap((round) => round.latenciesMs).sort((a, b) => a - b);
  const elapsed = rounds.reduce((sum, round) => sum + round.elapsedMs, 0);
  const errors = rounds.reduce((sum, round) => sum + round.errors, 0);
  return {
    requests: sorted.length,
    errors,
    achievedRate: ((sorted.length + errors) / elapsed) * 1000,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '15' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  if (!(rate > 0 && seconds > 0 && Number.isInteger(rounds) && rounds > 0))
    throw new Error('--rate, --seconds and --rounds must be positive numbers');

  const worker = new Worker(new URL(import.meta.url));
  const ports = await new Promise<ServerPorts>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const body = admissionReviewRequest();
  // The apiserver keeps connections to a webhook alive; so does this client, one pool per server.
  const agents = {
    webhook: new Agent({ keepAlive: true, maxSockets: 32, ca: ports.trustBundlePem }),
    bare: new Agent({ keepAlive: true, maxSockets: 32, ca: ports.trustBundlePem }),
  };

  const [fromWebhook, fromBare] = await Promise.all([post(agents.webhook, ports.webhook, body), post(agents.bare, ports.bare, body)]);
  if (fromWebhook.text !== fromBare.text) throw new Error('the two servers answer different bytes; the comparison would be unfair');

  for (const name of ['webhook', 'bare'] as const) await openLoop(agents[name], ports[name], body, rate, 1); // warm-up: JIT, TLS sessions
  const results: Record<'webhook' | 'bare', RoundResult[]> = { webhook: [], bare: [] };
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? (['bare', 'webhook'] as const) : (['webhook', 'bare'] as const);
    for (const name of order) results[name].push(await openLoop(agents[name], ports[name], body, rate, seconds));
  }
  agents.webhook.destroy();
  agents.bare.destroy();
  await worker.terminate();

  const bare = summarize(results.bare);
  const webhook = summarize(results.webhook);
  const ms = (value: number) => value.toFixed(3);
  console.log(`\nAdmission latency over TLS (keep-alive), open loop at ${rate} req/s, ${rounds} x ${seconds} s per server, alternating.`);
  console.log(
    `Request ${Buffer.byteLength(body)} B (pool pod CREATE), answer ${ports.answerBytes} B (JSON patch). Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${loadavg()[0]!.toFixed(2)} at the end.\n`,
  );
  console.log('| server | requests | errors | achieved req/s | p50 ms | p99 ms | max ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  console.log(
    `| bare node:https, same bytes | ${bare.requests} | ${bare.errors} | ${bare.achievedRate.toFixed(1)} | ${ms(bare.p50)} | ${ms(bare.p99)} | ${ms(bare.max)} |`,
  );
  console.log(
    `| podpool webhook | ${webhook.requests} | ${webhook.errors} | ${webhook.achievedRate.toFixed(1)} | ${ms(webhook.p50)} | ${ms(webhook.p99)} | ${ms(webhook.max)} |`,
  );
  console.log(
    `| **ratio webhook / bare** | | | | **${(webhook.p50 / bare.p50).toFixed(2)}x** | **${(webhook.p99 / bare.p99).toFixed(2)}x** | |`,
  );
  if (webhook.errors > 0 || bare.errors > 0) process.exitCode = 1;
  // One entry per rate, so the 200/s and 1000/s runs sit side by side in results.json.
  const goal = rate <= 200 ? '<= 1.2x floor' : '<= 1.5x floor';
  recordResults(`webhook@${rate}`, `npm run bench:webhook -- --rate ${rate} --json`, [
    figure(`admission p50 at ${rate}/s`, webhook.p50, 'ms', bare.p50, goal),
    figure(`admission p99 at ${rate}/s`, webhook.p99, 'ms', bare.p99),
    figure(`achieved rate at ${rate}/s`, webhook.achievedRate, '1/s', bare.achievedRate),
  ]);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  runServers().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
