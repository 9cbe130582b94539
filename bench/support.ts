/** Small helpers shared by the benchmarks. */
export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))] as number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  perSecond: number;
}

/** Runs `call` from `concurrency` loops for `seconds`, recording each call's latency. */
export async function closedLoop(call: () => Promise<unknown>, concurrency: number, seconds: number): Promise<LatencySummary> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: latencies.length / elapsed };
}
