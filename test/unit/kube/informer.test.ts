import { ApiException, type KubernetesListObject, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResilientInformer, type WatchPort } from '../../../src/kube/informer.js';
import { informerEvents } from '../../../src/metrics.js';

const log = pino({ level: 'silent' });

/** What a freshly started API server answers while its watch cache fills. */
function storageInitializing(retryAfter = '1'): ApiException<unknown> {
  const status = { kind: 'Status', status: 'Failure', message: 'storage is (re)initializing', reason: 'TooManyRequests', code: 429 };
  return new ApiException(429, 'Unknown API Status Code!', status, { 'content-type': 'application/json', 'retry-after': retryAfter });
}

function connectionRefused(): Error {
  return Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
  });
}

/** client-node's Watch rejects a non-200 answer with a plain Error carrying only the status. */
function watchStatus(statusCode: number): Error {
  return Object.assign(new Error('Too Many Requests'), { statusCode });
}

const emptyList: KubernetesListObject<V1Pod> = { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '100' }, items: [] };

/** Answers each list call with the next scripted outcome (an error is thrown), then with an empty list. */
function fakeList(outcomes: Error[] = []) {
  const calls: number[] = [];
  const list = async (): Promise<KubernetesListObject<V1Pod>> => {
    calls.push(Date.now());
    const outcome = outcomes.shift();
    if (outcome !== undefined) throw outcome;
    return emptyList;
  };
  return { list, calls };
}

/** Answers each watch with the next scripted error, as client-node does (done(err) before it returns); then stays open. */
class FakeWatch implements WatchPort {
  readonly calls: number[] = [];
  private open: ((err: unknown) => void) | undefined;

  constructor(private readonly outcomes: Error[] = []) {}

  async watch(_path: string, _query: object, _callback: unknown, done: (err: unknown) => void): Promise<AbortController> {
    this.calls.push(Date.now());
    const outcome = this.outcomes.shift();
    if (outcome !== undefined) done(outcome);
    else this.open = done;
    return new AbortController();
  }

  /** The open watch breaks with `error`; the next watches fail with `outcomes`. */
  drop(error: Error, ...outcomes: Error[]): void {
    this.outcomes.push(...outcomes);
    const done = this.open;
    this.open = undefined;
    done?.(error);
  }
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((time, i) => time - (times[i] as number));
}

function informer(list: () => Promise<KubernetesListObject<V1Pod>>, watch: WatchPort): ResilientInformer<V1Pod> {
  return new ResilientInformer<V1Pod>('pods', { path: '/api/v1/pods', list, watch }, {}, log);
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ResilientInformer after an API server restart', () => {
  it('retries a 429 after its Retry-After instead of the grown backoff', async () => {
    const refused = Array.from({ length: 5 }, connectionRefused);
    const initializing = Array.from({ length: 6 }, () => storageInitializing('1'));
    const { list, calls } = fakeList([...refused, ...initializing]);
    const pods = informer(list, new FakeWatch());
    await pods.start();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    // Down: exponential from 500 ms. Back but initializing: 1 s each, as the server asked.
    expect(gaps(calls)).toEqual([500, 1000, 2000, 4000, 8000, 1000, 1000, 1000, 1000, 1000, 1000]);
    expect(pods.healthy()).toEqual({ ok: true, detail: 'pods: ok' });
    await pods.stop();
  });

  it('retries a watch 429 after 1 s: client-node keeps no headers of a failed watch', async () => {
    const watch = new FakeWatch([...Array.from({ length: 5 }, connectionRefused), watchStatus(429), watchStatus(429), watchStatus(429)]);
    const pods = informer(fakeList().list, watch);
    await pods.start();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(gaps(watch.calls)).toEqual([500, 1000, 2000, 4000, 8000, 1000, 1000, 1000]);
    await pods.stop();
  });

  it('bounds a long Retry-After by the backoff cap', async () => {
    const { list, calls } = fakeList([storageInitializing('3600')]);
    const pods = informer(list, new FakeWatch());
    await pods.start();
    await vi.advanceTimersByTimeAsync(2 * 60 * 60_000);
    expect(gaps(calls)).toEqual([30_000]);
    await pods.stop();
  });

  it('starts the backoff again from its base once a watch is answered', async () => {
    const watch = new FakeWatch(Array.from({ length: 5 }, connectionRefused));
    const pods = informer(fakeList().list, watch);
    await pods.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(gaps(watch.calls)).toEqual([500, 1000, 2000, 4000, 8000]); // the sixth is answered and stays open

    const droppedAt = Date.now();
    const answered = watch.calls.length;
    watch.drop(connectionRefused(), connectionRefused(), connectionRefused());
    await vi.advanceTimersByTimeAsync(60_000);
    // Refused at 0.5 s and 1.5 s after the drop, answered at 3.5 s.
    expect(watch.calls.slice(answered).map((time) => time - droppedAt)).toEqual([500, 1500, 3500]);
    await pods.stop();
  });

  it('reports unhealthy while failing and healthy as soon as the server answers', async () => {
    const watch = new FakeWatch([connectionRefused(), connectionRefused(), watchStatus(429), watchStatus(429)]);
    const pods = informer(fakeList().list, watch);
    await pods.start();
    // Watches at 0 and 0.5 s are refused, at 1.5 s and 2.5 s answered 429; the one at 3.5 s is answered.
    await vi.advanceTimersByTimeAsync(2600);
    expect(pods.healthy()).toEqual({ ok: false, detail: 'pods: Too Many Requests' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(pods.healthy()).toEqual({ ok: true, detail: 'pods: ok' });
    await pods.stop();
  });
});

describe('ResilientInformer counts the watch events it absorbs', () => {
  it('by resource and type, in podpool_informer_events_total', async () => {
    const pod = (name: string, resourceVersion: string): V1Pod => ({ metadata: { name, namespace: 'a', resourceVersion } });
    const events: Array<[string, V1Pod]> = [
      ['ADDED', pod('p1', '101')],
      ['MODIFIED', pod('p1', '102')],
      ['MODIFIED', pod('p1', '103')],
      ['DELETED', pod('p1', '104')],
    ];
    const watch: WatchPort = {
      watch: async (_path, _query, callback) => {
        for (const [type, object] of events.splice(0)) callback(type, object, { type, object });
        return new AbortController();
      },
    };
    const counted = new ResilientInformer<V1Pod>('events-test', { path: '/api/v1/pods', list: fakeList().list, watch }, {}, log);
    await counted.start();
    await vi.advanceTimersByTimeAsync(10);
    const values = (await informerEvents.get()).values.filter((v) => v.labels.resource === 'events-test');
    expect(Object.fromEntries(values.map((v) => [v.labels.type, v.value]))).toEqual({ ADDED: 1, MODIFIED: 2, DELETED: 1 });
    await counted.stop();
  });
});

describe('ResilientInformer keeps no managedFields', () => {
  it('strips them from listed and watched objects before handlers and the cache see them', async () => {
    const managed = [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }];
    const pod = (name: string, resourceVersion: string): V1Pod => ({
      metadata: { name, namespace: 'a', resourceVersion, labels: { app: 'x' }, managedFields: structuredClone(managed) },
    });
    const list = async (): Promise<KubernetesListObject<V1Pod>> => ({ ...emptyList, items: [pod('listed', '100')] });
    const watch: WatchPort = {
      watch: async (_path, _query, callback) => {
        callback('ADDED', pod('watched', '101'), {});
        return new AbortController();
      },
    };
    const seen: V1Pod[] = [];
    const stripping = new ResilientInformer<V1Pod>(
      'strip-test',
      { path: '/api/v1/pods', list, watch },
      { onAdd: (p) => seen.push(p) },
      log,
    );
    await stripping.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(seen.map((p) => p.metadata?.name).sort()).toEqual(['listed', 'watched']);
    for (const p of seen) {
      expect(p.metadata?.managedFields).toBeUndefined();
      expect(p.metadata?.labels).toEqual({ app: 'x' });
    }
    await stripping.stop();
  });
});
