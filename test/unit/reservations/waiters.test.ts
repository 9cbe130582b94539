import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { poolKey } from '../../../src/api/pool-key.js';
import { ReadyPodWaiters } from '../../../src/reservations/waiters.js';

const POOL_KEY = poolKey('ns', 'pool');
const OTHER_KEY = poolKey('ns', 'other');

describe('ReadyPodWaiters', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('wakes waiters first come, first served, one per wake-up', async () => {
    const waiters = new ReadyPodWaiters();
    const order: string[] = [];
    const first = waiters.wait(POOL_KEY, 10_000).then((outcome) => order.push(`first:${outcome}`));
    const second = waiters.wait(POOL_KEY, 10_000).then((outcome) => order.push(`second:${outcome}`));
    expect(waiters.waiting(POOL_KEY)).toBe(2);
    expect(waiters.wakeOne(POOL_KEY)).toBe(true);
    await first;
    expect(order).toEqual(['first:woken']);
    expect(waiters.wakeOne(POOL_KEY)).toBe(true);
    await second;
    expect(order).toEqual(['first:woken', 'second:woken']);
    expect(waiters.wakeOne(POOL_KEY)).toBe(false);
  });

  it('keeps pools apart', async () => {
    const waiters = new ReadyPodWaiters();
    const other = waiters.wait(OTHER_KEY, 10_000);
    expect(waiters.wakeOne(POOL_KEY)).toBe(false);
    expect(waiters.waiting(OTHER_KEY)).toBe(1);
    waiters.wakeOne(OTHER_KEY);
    expect(await other).toBe('woken');
  });

  it('lets a requeued waiter keep its place at the head', async () => {
    const waiters = new ReadyPodWaiters();
    const later = waiters.wait(POOL_KEY, 10_000);
    const requeued = waiters.wait(POOL_KEY, 10_000, { front: true });
    waiters.wakeOne(POOL_KEY);
    expect(await requeued).toBe('woken');
    waiters.wakeOne(POOL_KEY);
    expect(await later).toBe('woken');
  });

  it('times out and leaves the queue', async () => {
    const waiters = new ReadyPodWaiters();
    const outcome = waiters.wait(POOL_KEY, 5_000);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(waiters.waiting(POOL_KEY)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe('timeout');
    expect(waiters.waiting(POOL_KEY)).toBe(0);
  });

  it('answers timeout at once for a zero wait', async () => {
    expect(await new ReadyPodWaiters().wait(POOL_KEY, 0)).toBe('timeout');
  });

  it('stops waiting when the client goes away', async () => {
    const waiters = new ReadyPodWaiters();
    const controller = new AbortController();
    const outcome = waiters.wait(POOL_KEY, 10_000, { signal: controller.signal });
    controller.abort();
    expect(await outcome).toBe('aborted');
    expect(waiters.waiting(POOL_KEY)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not lose a pod that became ready just before the waiter joined', async () => {
    const waiters = new ReadyPodWaiters();
    expect(await waiters.wait(POOL_KEY, 10_000, { readyNow: () => true })).toBe('woken');
    expect(waiters.waiting(POOL_KEY)).toBe(0);
  });
});
