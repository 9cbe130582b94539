/**
 * KEDA scaler benchmark on loopback: GetMetrics through the real grpc-js server and client, side
 * by side with a bare grpc-js server answering a constant from the same proto (the floor: what
 * gRPC itself costs). 100 pools, each with ten minutes of reservation history and a time window,
 * so every answer runs the full engine with scale-down stabilization. Closed loop at several
 * concurrency levels over one channel (KEDA pools one connection per scaler address); rounds
 * alternate between the two servers so machine noise falls on both.
 * Run: npm run bench:scaler [-- --json]   (CONCURRENCY=1,32,256 SECONDS=3 ROUNDS=3)
 */
import { cpus, loadavg } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { parseSpec } from '../src/api/parse.js';
import type { PodPool } from '../src/api/schema.js';
import { ScalerGrpcServer } from '../src/scaler/grpc-server.js';
import { externalScalerService } from '../src/scaler/proto.js';
import { ScalerService } from '../src/scaler/service.js';
import { emptyHistory, encodeHistory, recordReservations } from '../src/scaling/reservation-history.js';
import { figure, recordResults, type Figure } from './results.js';
import { closedLoop, type LatencySummary } from './support.js';

const CONCURRENCY = (process.env.CONCURRENCY ?? '1,32,256').split(',').map(Number);
const SECONDS = Number(process.env.SECONDS ?? 3);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const POOLS = 100;

// A fixed weekday 14:00 in Berlin: inside the window, with history, so no answer takes a shortcut.
const now = Date.parse('2026-11-24T13:00:00Z');
const pools = new Map<string, PodPool>();
for (let i = 0; i < POOLS; i += 1) {
  const spec = parseSpec({
    maxPoolSize: 200,
    targetReadyPods: 3,
    scaleUpVelocityThreshold: 10,
    timeZone: 'Europe/Berlin',
    scaleDownStabilizationSeconds: 300,
    timeBasedScaling: [{ hourStart: 8, hourEnd: 20, targetPoolSize: 20, days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] }],
    podTemplate: { spec: { containers: [{ name: 'c', image: 'i' }] } },
  });
  let history = emptyHistory(now - 600_000);
  for (let t = now - 600_000; t < now; t += 7_000) history = recordReservations(history, t, 1 + (i % 3), 100);
  pools.set(`bench/p${i}`, {
    apiVersion: 'podpool.dev/v1alpha1',
    kind: 'PodPool',
    metadata: { name: `p${i}`, namespace: 'bench' },
    spec,
    status: { reservationHistory: encodeHistory(history) },
  });
}
const reader = { getPool: (namespace: string, name: string) => pools.get(`${namespace}/${name}`), hasSynced: () => true };
const ExternalScaler = externalScalerService();

const podpool = new ScalerGrpcServer({ service: new ScalerService(reader, { clock: { now: () => now } }), log: pino({ level: 'silent' }) });
const podpoolPort = await podpool.listen(0, '127.0.0.1');
const bare = new grpc.Server();
bare.addService(ExternalScaler.service, {
  GetMetrics: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, { metricValues: [{ metricName: 'podpool-bench-p0', metricValue: 20, metricValueFloat: 20 }] }),
});
const barePort = await new Promise<number>((resolve, reject) =>
  bare.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
);

type Client = grpc.Client & {
  GetMetrics: (request: unknown, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void) => void;
};
const client = (port: number): Client => new ExternalScaler(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Client;
const clients = { podpool: client(podpoolPort), bare: client(barePort) };
let sequence = 0;
const getMetrics = (target: Client) => (): Promise<void> =>
  new Promise((resolve, reject) => {
    const pool = `p${sequence++ % POOLS}`;
    target.GetMetrics(
      { scaledObjectRef: { name: 'so', namespace: 'bench', scalerMetadata: { podPoolName: pool } }, metricName: `podpool-bench-${pool}` },
      { deadline: Date.now() + 3_000 },
      (error) => (error ? reject(error) : resolve()),
    );
  });

const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const summarize = (rounds: LatencySummary[]) => ({
  p50: median(rounds.map((r) => r.p50)),
  p99: median(rounds.map((r) => r.p99)),
  perSecond: median(rounds.map((r) => r.perSecond)),
});

await closedLoop(getMetrics(clients.podpool), 32, 1); // warm up JIT and channels
await closedLoop(getMetrics(clients.bare), 32, 1);
const rows: string[] = [];
const figures: Figure[] = [];
for (const concurrency of CONCURRENCY) {
  const rounds: Record<'podpool' | 'bare', LatencySummary[]> = { podpool: [], bare: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    rounds.bare.push(await closedLoop(getMetrics(clients.bare), concurrency, SECONDS));
    rounds.podpool.push(await closedLoop(getMetrics(clients.podpool), concurrency, SECONDS));
  }
  const b = summarize(rounds.bare);
  const p = summarize(rounds.podpool);
  rows.push(
    `| ${concurrency} | bare grpc-js, constant answer | ${b.p50.toFixed(3)} | ${b.p99.toFixed(3)} | ${b.perSecond.toFixed(0)} | | |`,
  );
  rows.push(
    `| ${concurrency} | podpool scaler (engine per call) | ${p.p50.toFixed(3)} | ${p.p99.toFixed(3)} | ${p.perSecond.toFixed(0)} | ${(p.p50 / b.p50).toFixed(2)}x | ${(p.perSecond / b.perSecond).toFixed(2)}x |`,
  );
  figures.push(
    figure(
      `GetMetrics calls/s, ${concurrency} in flight`,
      p.perSecond,
      '1/s',
      b.perSecond,
      concurrency >= 256 ? '>= 0.9x floor' : undefined,
    ),
    figure(`GetMetrics p50, ${concurrency} in flight`, p.p50, 'ms', b.p50, concurrency === 1 ? '<= 1.1x floor' : undefined),
    figure(`GetMetrics p99, ${concurrency} in flight`, p.p99, 'ms', b.p99),
  );
}
console.log(`GetMetrics on loopback over one channel, ${POOLS} pools, ${ROUNDS} alternating rounds of ${SECONDS} s per level (medians of rounds)
Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')}

| concurrent calls | server | p50 ms | p99 ms | calls/s | p50 x bare | calls/s x bare |
| ---: | --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}`);
recordResults('scaler', 'npm run bench:scaler -- --json', figures);
clients.podpool.close();
clients.bare.close();
await podpool.close();
bare.forceShutdown();
