import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../../src/kube/work-queue.js';

/**
 * One failed reconcile as the controller runs it (take the key, fail, addRateLimited, done); resolves
 * with how long the queue held the key back: the fake clock runs to the queue's next timer only.
 */
function failAndTimeRequeue(queue: WorkQueue, key: string): () => Promise<number> {
  return async () => {
    queue.add(key);
    expect(await queue.get()).toBe(key);
    const failedAt = Date.now();
    queue.addRateLimited(key);
    queue.done(key);
    expect(queue.length()).toBe(0);
    await vi.advanceTimersToNextTimerAsync();
    expect(queue.length()).toBe(1);
    expect(await queue.get()).toBe(key);
    queue.done(key);
    return Date.now() - failedAt;
  };
}

async function sequence(steps: Array<() => Promise<number>>): Promise<number[]> {
  const results: number[] = [];
  for (const step of steps) results.push(await step());
  return results;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue', () => {
  it('collapses a key queued twice into one item', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.length()).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
  });

  it('never hands a key being processed to a second worker, and runs it once more after', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const first = await queue.get();
    queue.add('a'); // changed while processing: marked dirty, not queued
    expect(queue.length()).toBe(0);
    let second: string | undefined;
    void queue.get().then((key) => (second = key));
    await Promise.resolve();
    expect(second).toBeUndefined();
    queue.done(first as string);
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('backs off a key that keeps failing, doubling from 5 ms up to its cap, and from 5 ms again once forgotten', async () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new WorkQueue({ maxDelayMs: 1_000 });
    const failing = Array.from({ length: 10 }, () => failAndTimeRequeue(queue, 'a'));
    expect(await sequence(failing)).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1_000, 1_000]);
    expect(queue.failuresOf('a')).toBe(10);
    queue.forget('a');
    expect(queue.failuresOf('a')).toBe(0);
    expect(await failAndTimeRequeue(queue, 'a')()).toBe(5);
  });

  it('caps the per-key backoff at 1000 s by default', async () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new WorkQueue();
    const delays = await sequence(Array.from({ length: 20 }, () => failAndTimeRequeue(queue, 'a')));
    expect(delays.slice(0, 3)).toEqual([5, 10, 20]);
    expect(delays.slice(-3)).toEqual([655_360, 1_000_000, 1_000_000]);
  });

  it('delays a rate-limited key until its backoff has passed', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue({ baseDelayMs: 100 });
    queue.addRateLimited('a');
    expect(queue.length()).toBe(0);
    vi.advanceTimersByTime(99);
    expect(queue.length()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.length()).toBe(1);
  });

  it('keeps the earliest of several requested delays for a key, as client-go does', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue();
    queue.addAfter('a', 15_000);
    queue.addAfter('a', 2_000);
    queue.addAfter('a', 5_000);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(queue.length()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.length()).toBe(1);
    expect(await queue.get()).toBe('a');
    queue.done('a');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(queue.length()).toBe(0);
  });

  it('holds back a burst of failures beyond the overall token bucket', () => {
    vi.useFakeTimers();
    let now = 0;
    const queue = new WorkQueue({ baseDelayMs: 1, ratePerSecond: 10, burst: 2, clock: { now: () => now } });
    for (const key of ['a', 'b', 'c', 'd']) queue.addRateLimited(key);
    vi.advanceTimersByTime(5);
    expect(queue.length()).toBe(2); // the burst
    now += 100;
    vi.advanceTimersByTime(100);
    expect(queue.length()).toBe(3);
    vi.advanceTimersByTime(100);
    expect(queue.length()).toBe(4);
  });

  it('drains what is queued on shutdown, then answers undefined', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.shutDown();
    queue.add('b');
    expect(await queue.get()).toBe('a');
    queue.done('a');
    expect(await queue.get()).toBeUndefined();
  });

  it('releases idle workers on shutdown', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
  });
});
