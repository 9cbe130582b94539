/**
 * KEDA scaler benchmark on loopback: GetMetrics through the real grpc-js server and client, side
 * by side with a bare grpc-js server answering a constant from the same proto (the floor: what
 * gRPC itself costs). 100 pools, each with ten minutes of reservation history and a time window,
 * so every answer runs the full engine with scale-down stabilization.
 * Run: npm run bench:scaler   (CONCURRENCY=32 SECONDS=5 ROUNDS=3)
 */
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import type { PodPool } from '../src/api/schema.js';
import { parseSpec } from '../src/api/parse.js';
import { loadExternalScalerDefinition, ScalerGrpcServer } from '../src/scaler/grpc-server.js';
import { ScalerService } from '../src/scaler/service.js';
import { emptyHistory, encodeHistory, recordReservations } from '../src/scaling/reservation-history.js';
import { closedLoop, type LatencySummary } from './support.js';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const SECONDS = Number(process.env.SECONDS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const POOLS = 100;

const now = Date.now();
const pools = new Map<string, PodPool>();
for (let i = 0; i < POOLS; i += 1) {
  const spec = parseSpec({
    maxPoolSize: 200,
    targetReadyPods: 3,
    scaleUpVelocityThreshold: 10,
    timeZone: 'Europe/Berlin',
    timeBasedScaling: [{ hourStart: 8, hourEnd: 20, targetPoolSize: 20, days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] }],
    podTemplate: { spec: { containers: [{ name: 'c', image: 'i' }] } },
  });
  let history = emptyHistory(now - 600_000);
  for (let t = now - 600_000; t < now; t += 7_000) history = recordReservations(history, t, 1 + (i % 3), 100);
  pools.set(`bench/p${i}`, { apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', metadata: { name: `p${i}`, namespace: 'bench' }, spec, status: { reservationHistory: encodeHistory(history) } });
}
const reader = { getPool: (namespace: string, name: string) => pools.get(`${namespace}/${name}`), hasSynced: () => true };

const definition = loadExternalScalerDefinition();
const ExternalScaler = definition.ExternalScaler as grpc.ServiceClientConstructor;

const podpool = new ScalerGrpcServer({ service: new ScalerService(reader), log: pino({ level: 'silent' }) });
const podpoolPort = await podpool.listen(0, '127.0.0.1');
const bare = new grpc.Server();
bare.addService(ExternalScaler.service, {
  GetMetrics: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, { metricValues: [{ metricName: 'podpool-bench-p0', metricValue: 20, metricValueFloat: 20 }] }),
});
const barePort = await new Promise<number>((resolve, reject) =>
  bare.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
);

type Client = grpc.Client & { GetMetrics: (req: unknown, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void) => void };
const client = (port: number): Client => new ExternalScaler(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Client;
const clients = { podpool: client(podpoolPort), bare: client(barePort) };
let n = 0;
const getMetrics = (c: Client) => (): Promise<void> =>
  new Promise((resolve, reject) => {
    const pool = `p${n++ % POOLS}`;
    c.GetMetrics(
      { scaledObjectRef: { name: 'so', namespace: 'bench', scalerMetadata: { podPoolName: pool } }, metricName: `podpool-bench-${pool}` },
      { deadline: Date.now() + 3_000 },
      (e) => (e ? reject(e) : resolve()),
    );
  });

await closedLoop(getMetrics(clients.podpool), CONCURRENCY, 1); // warm up both
await closedLoop(getMetrics(clients.bare), CONCURRENCY, 1);
const results: Record<'podpool' | 'bare', LatencySummary[]> = { podpool: [], bare: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  results.bare.push(await closedLoop(getMetrics(clients.bare), CONCURRENCY, SECONDS));
  results.podpool.push(await closedLoop(getMetrics(clients.podpool), CONCURRENCY, SECONDS));
}
const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const row = (name: 'podpool' | 'bare') => ({
  p50: median(results[name].map((r) => r.p50)),
  p99: median(results[name].map((r) => r.p99)),
  rps: median(results[name].map((r) => r.perSecond)),
});
const p = row('podpool');
const b = row('bare');
console.log(`GetMetrics on loopback, ${CONCURRENCY} concurrent calls, ${ROUNDS} alternating rounds of ${SECONDS} s (medians of rounds)

| server | p50 ms | p99 ms | calls/s |
| --- | ---: | ---: | ---: |
| bare grpc-js, constant answer | ${b.p50.toFixed(3)} | ${b.p99.toFixed(3)} | ${b.rps.toFixed(0)} |
| podpool scaler (engine per call) | ${p.p50.toFixed(3)} | ${p.p99.toFixed(3)} | ${p.rps.toFixed(0)} |
| ratio podpool / bare | ${(p.p50 / b.p50).toFixed(2)}x | ${(p.p99 / b.p99).toFixed(2)}x | ${(p.rps / b.rps).toFixed(2)}x |`);
clients.podpool.close();
clients.bare.close();
await podpool.close();
bare.forceShutdown();
