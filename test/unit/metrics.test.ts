import { describe, expect, it } from 'vitest';
import { registry } from '../../src/metrics.js';

interface MetricFamily {
  name: string;
  type: string;
}

async function families(): Promise<MetricFamily[]> {
  return (await registry.getMetricsAsJSON()).map((metric) => ({ name: metric.name, type: String(metric.type) }));
}

describe('the metrics registry', () => {
  it('exports the standard process_* and nodejs_* metrics, without a prefix', async () => {
    const names = (await families()).map((family) => family.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'process_start_time_seconds',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
      ]),
    );
    expect(names.filter((name) => name.startsWith('podpool_process_'))).toEqual([]);
  });

  it('names counters *_total and nothing else so', async () => {
    for (const { name, type } of await families()) {
      if (type === 'counter') expect(name, `counter ${name}`).toMatch(/_total$/);
      else expect(name, `${type} ${name}`).not.toMatch(/_total$/);
    }
  });

  it('uses base units: seconds, not minutes or milliseconds', async () => {
    for (const { name } of await families()) expect(name).not.toMatch(/_(minutes?|milliseconds|ms|hours?|per_minute)(_|$)/);
  });
});
