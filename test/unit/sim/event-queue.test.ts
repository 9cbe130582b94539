import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../src/sim/event-queue.js';

describe('EventQueue', () => {
  it('orders by time, then by kind order, then by scheduling order', () => {
    const queue = new EventQueue<string>();
    queue.push(20, 0, 'late');
    queue.push(10, 4, 'poll');
    queue.push(10, 1, 'ready-a');
    queue.push(10, 1, 'ready-b');
    const out: string[] = [];
    for (let event = queue.pop(); event !== undefined; event = queue.pop()) out.push(event.payload);
    expect(out).toEqual(['ready-a', 'ready-b', 'poll', 'late']);
  });

  it('pops any pushed set in sorted order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 4 }))), (items) => {
        const queue = new EventQueue<number>();
        items.forEach(([at, order], index) => queue.push(at, order, index));
        const popped: Array<[number, number, number]> = [];
        for (let event = queue.pop(); event !== undefined; event = queue.pop()) popped.push([event.atMs, event.order, event.payload]);
        const expected = items
          .map(([at, order], index): [number, number, number] => [at, order, index])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
        expect(popped).toEqual(expected);
        expect(queue.size).toBe(0);
      }),
    );
  });
});
