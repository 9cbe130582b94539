/**
 * Requests waiting for a pool's next ready pod, first come first served within this process.
 * A wake-up hands the head of the queue a chance to reserve; a waiter that then loses the pod
 * (to another replica, say) queues again at the front, keeping its place.
 */
import type { PoolKey } from '../api/pool-key.js';

export type WaitOutcome = 'woken' | 'timeout' | 'aborted';

export interface WaitOptions {
  /** Requeue at the head: a woken waiter that found no pod keeps its place. */
  front?: boolean;
  signal?: AbortSignal | undefined;
  /**
   * Checked right after joining the queue, in the same tick: a pod that became ready between the
   * caller's last look and now would otherwise be a lost wake-up.
   */
  readyNow?: () => boolean;
}

interface Waiter {
  settle: (outcome: WaitOutcome) => void;
}

export class ReadyPodWaiters {
  private readonly queues = new Map<PoolKey, Waiter[]>();

  wait(key: PoolKey, timeoutMs: number, options: WaitOptions = {}): Promise<WaitOutcome> {
    if (options.signal?.aborted) return Promise.resolve('aborted');
    if (timeoutMs <= 0) return Promise.resolve('timeout');
    return new Promise<WaitOutcome>((resolve) => {
      const onAbort = (): void => waiter.settle('aborted');
      const timer = setTimeout(() => waiter.settle('timeout'), timeoutMs);
      const waiter: Waiter = {
        settle: (outcome) => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          this.remove(key, waiter);
          resolve(outcome);
        },
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.queues.get(key) ?? [];
      if (options.front) queue.unshift(waiter);
      else queue.push(waiter);
      this.queues.set(key, queue);
      if (options.readyNow?.()) waiter.settle('woken');
    });
  }

  /** Wakes the longest-waiting request of the pool; false when nobody waits. */
  wakeOne(key: PoolKey): boolean {
    const head = this.queues.get(key)?.[0];
    if (head === undefined) return false;
    head.settle('woken');
    return true;
  }

  waiting(key: PoolKey): number {
    return this.queues.get(key)?.length ?? 0;
  }

  private remove(key: PoolKey, waiter: Waiter): void {
    const queue = this.queues.get(key);
    if (queue === undefined) return;
    const index = queue.indexOf(waiter);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(key);
  }
}
