import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnmetDemandRecorder, type UnmetDemandWriter } from '../../../src/reservations/unmet-demand.js';

const silent = pino({ level: 'silent' });

/** A writer whose writes finish when the test says so, recording what each one added. */
class ControlledWriter implements UnmetDemandWriter {
  readonly calls: Array<{ namespace: string; pool: string; count: number; finish: (result: 'added' | 'gone' | Error) => void }> = [];

  add(namespace: string, pool: string, count: number): Promise<'added' | 'gone'> {
    return new Promise((resolve, reject) => {
      this.calls.push({ namespace, pool, count, finish: (result) => (result instanceof Error ? reject(result) : resolve(result)) });
    });
  }

  counts(): number[] {
    return this.calls.map((call) => call.count);
  }
}

const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('UnmetDemandRecorder', () => {
  it('writes the first count at once and coalesces the ones that arrive while it is in flight', async () => {
    const writer = new ControlledWriter();
    const recorder = new UnmetDemandRecorder(writer, { log: silent });
    expect(recorder.record('ns', 'pool', 'a')).toBe(true);
    expect(writer.counts()).toEqual([1]);
    recorder.record('ns', 'pool', 'b');
    recorder.record('ns', 'pool', 'c');
    expect(writer.counts()).toEqual([1]);
    writer.calls[0]!.finish('added');
    await flushMicrotasks();
    expect(writer.counts()).toEqual([1, 2]);
    writer.calls[1]!.finish('added');
    await recorder.settled();
    expect(recorder.pendingCount()).toBe(0);
  });

  it('keeps pools apart', async () => {
    const writer = new ControlledWriter();
    const recorder = new UnmetDemandRecorder(writer, { log: silent });
    recorder.record('ns', 'one', 'a');
    recorder.record('ns', 'two', 'a');
    recorder.record('other', 'one', 'a');
    expect(writer.calls.map((call) => `${call.namespace}/${call.pool}:${call.count}`)).toEqual(['ns/one:1', 'ns/two:1', 'other/one:1']);
  });

  it('counts one user once per dedupe window', () => {
    let nowMs = 0;
    const writer = new ControlledWriter();
    const recorder = new UnmetDemandRecorder(writer, { log: silent, dedupeMs: 60_000, clock: { now: () => nowMs } });
    expect(recorder.record('ns', 'pool', 'alice')).toBe(true);
    nowMs = 59_999;
    expect(recorder.record('ns', 'pool', 'alice')).toBe(false);
    expect(recorder.record('ns', 'other', 'alice')).toBe(true);
    nowMs = 60_000;
    expect(recorder.record('ns', 'pool', 'alice')).toBe(true);
  });

  it('keeps the count and retries with backoff when a write fails', async () => {
    vi.useFakeTimers();
    const writer = new ControlledWriter();
    const recorder = new UnmetDemandRecorder(writer, { log: silent });
    recorder.record('ns', 'pool', 'a');
    recorder.record('ns', 'pool', 'b');
    writer.calls[0]!.finish(new Error('API server down'));
    await vi.advanceTimersByTimeAsync(0);
    expect(recorder.pendingCount()).toBe(2);
    await vi.advanceTimersByTimeAsync(499);
    expect(writer.counts()).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writer.counts()).toEqual([1, 2]);
    writer.calls[1]!.finish('added');
    await vi.advanceTimersByTimeAsync(0);
    expect(recorder.pendingCount()).toBe(0);
  });

  it('drops the counts of a pool that is gone', async () => {
    const writer = new ControlledWriter();
    const recorder = new UnmetDemandRecorder(writer, { log: silent });
    recorder.record('ns', 'pool', 'a');
    recorder.record('ns', 'pool', 'b');
    writer.calls[0]!.finish('gone');
    await recorder.settled();
    expect(writer.counts()).toEqual([1]);
  });

  it('stops recording and retrying when closed', async () => {
    vi.useFakeTimers();
    const writer = new ControlledWriter();
    const recorder = new UnmetDemandRecorder(writer, { log: silent });
    recorder.record('ns', 'pool', 'a');
    writer.calls[0]!.finish(new Error('down'));
    await vi.advanceTimersByTimeAsync(0);
    recorder.close();
    await recorder.settled();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(writer.counts()).toEqual([1]);
    expect(recorder.record('ns', 'pool', 'b')).toBe(false);
  });
});
