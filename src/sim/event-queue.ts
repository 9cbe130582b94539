/**
 * A binary min-heap of timed events. Events at the same instant come out in a fixed order of
 * kinds (see EVENT_ORDER), then in the order they were scheduled, so a run never depends on how
 * the heap happens to break ties.
 */
export interface Scheduled<T> {
  atMs: number;
  order: number;
  sequence: number;
  payload: T;
}

function before<T>(a: Scheduled<T>, b: Scheduled<T>): boolean {
  return a.atMs !== b.atMs ? a.atMs < b.atMs : a.order !== b.order ? a.order < b.order : a.sequence < b.sequence;
}

export class EventQueue<T> {
  private readonly heap: Array<Scheduled<T>> = [];
  private sequence = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atMs: number, order: number, payload: T): void {
    const heap = this.heap;
    heap.push({ atMs, order, sequence: this.sequence++, payload });
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!before(heap[child] as Scheduled<T>, heap[parent] as Scheduled<T>)) break;
      [heap[child], heap[parent]] = [heap[parent] as Scheduled<T>, heap[child] as Scheduled<T>];
      child = parent;
    }
  }

  peek(): Scheduled<T> | undefined {
    return this.heap[0];
  }

  pop(): Scheduled<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < heap.length && before(heap[left] as Scheduled<T>, heap[smallest] as Scheduled<T>)) smallest = left;
      if (right < heap.length && before(heap[right] as Scheduled<T>, heap[smallest] as Scheduled<T>)) smallest = right;
      if (smallest === parent) break;
      [heap[parent], heap[smallest]] = [heap[smallest] as Scheduled<T>, heap[parent] as Scheduled<T>];
      parent = smallest;
    }
    return top;
  }
}
