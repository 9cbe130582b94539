import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaderElector, type LeaderElectionOptions } from '../../../src/kube/leader-election.js';
import { FakeLeaseStore } from './fake-lease-store.js';

const log = pino({ level: 'silent' });
const HOUR_MS = 3_600_000;

/** An elector on `store` (lease 15 s, renew deadline 10 s, retry 2 s unless given) recording its callbacks in `events`. */
function elector(store: FakeLeaseStore, identity: string, events: string[], options: Partial<LeaderElectionOptions> = {}): LeaderElector {
  return new LeaderElector(
    store,
    {
      namespace: 'ns',
      name: 'lease',
      identity,
      onStartedLeading: () => events.push(`${identity} started`),
      onStoppedLeading: () => events.push(`${identity} stopped`),
      ...options,
    },
    log,
  );
}

/** Lets the fake clock run to `ms` after the test's start. */
async function at(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms - Date.now());
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('LeaderElector', () => {
  it('acquires a free lease and renews it every retry period', async () => {
    const store = new FakeLeaseStore();
    const events: string[] = [];
    const a = elector(store, 'a', events);
    a.start();
    await at(0);
    expect(a.isLeader()).toBe(true);
    expect(store.holder()).toBe('a');
    expect(store.lease?.spec?.leaseDurationSeconds).toBe(15);
    await at(4000);
    expect(store.lease?.spec?.renewTime).toEqual(new Date(4000));
    expect(store.lease?.spec?.acquireTime).toEqual(new Date(0));
    expect(events).toEqual(['a started']);
    await a.stop();
  });

  describe('renew deadline', () => {
    it.each([
      { api: 'hangs', retryPeriodSeconds: 2, break: (store: FakeLeaseStore) => (store.hang = true) },
      { api: 'refuses', retryPeriodSeconds: 3, break: (store: FakeLeaseStore) => (store.failWith = new Error('connect ECONNREFUSED')) },
    ])('steps down when it cannot renew within the renew deadline (API $api, retry $retryPeriodSeconds s)', async (scenario) => {
      const store = new FakeLeaseStore();
      const events: string[] = [];
      const a = elector(store, 'a', events, { retryPeriodSeconds: scenario.retryPeriodSeconds });
      a.start();
      await at(0); // acquired at 0: the renew deadline is 10 s
      scenario.break(store);
      await at(9_999);
      expect(a.isLeader()).toBe(true);
      await at(10_000);
      expect(a.isLeader()).toBe(false);
      expect(events).toEqual(['a started', 'a stopped']);
      const stopped = a.stop(); // waits for the attempt in flight, which times out
      await vi.advanceTimersByTimeAsync(10_000);
      await stopped;
      expect(events).toEqual(['a started', 'a stopped']);
    });

    it('stops leading once: the callbacks run once each, in order, and a later stop adds none', async () => {
      const store = new FakeLeaseStore();
      const events: string[] = [];
      const a = elector(store, 'a', events);
      a.start();
      await at(0);
      store.failWith = new Error('connect ECONNREFUSED');
      await at(60_000);
      expect(events).toEqual(['a started', 'a stopped']);
      await a.stop();
      expect(events).toEqual(['a started', 'a stopped']);
    });

    it('leads again when the API comes back and the lease is still its own', async () => {
      const store = new FakeLeaseStore();
      const events: string[] = [];
      const a = elector(store, 'a', events);
      a.start();
      await at(0);
      store.failWith = new Error('connect ECONNREFUSED');
      await at(12_000);
      store.failWith = undefined;
      await at(14_000);
      expect(a.isLeader()).toBe(true);
      expect(events).toEqual(['a started', 'a stopped', 'a started']);
      await a.stop();
    });
  });

  describe('a lost lease update (409 Conflict)', () => {
    it('a leader whose renewal conflicts re-reads the lease and stops leading when another replica wrote it', async () => {
      const store = new FakeLeaseStore();
      const events: string[] = [];
      const a = elector(store, 'a', events);
      a.start();
      await at(0);
      store.calls.length = 0;
      store.beforeNextUpdate = () => store.writeAs('b');
      await at(2000);
      expect(a.isLeader()).toBe(false);
      expect(events).toEqual(['a started', 'a stopped']);
      expect(store.holder()).toBe('b');
      expect(store.calls).toEqual(['get', 'update', 'get']);
    });

    it('a candidate that loses the race to an expired lease does not lead, and waits out the winner', async () => {
      const store = new FakeLeaseStore();
      store.writeAs('x'); // x wrote once at 0 and died
      const events: string[] = [];
      const a = elector(store, 'a', events);
      a.start();
      await at(15_999);
      expect(a.isLeader()).toBe(false); // x's lease has not looked unchanged for 15 s yet
      store.calls.length = 0;
      store.beforeNextUpdate = () => store.writeAs('c', { acquireTime: new Date(), renewTime: new Date() });
      await at(16_000);
      expect(a.isLeader()).toBe(false);
      expect(store.holder()).toBe('c');
      // c never renews: a takes over once c's record has looked unchanged for 15 s since a re-read it at 16 s.
      await at(30_000);
      expect(a.isLeader()).toBe(false);
      await at(32_000);
      expect(a.isLeader()).toBe(true);
      expect(events).toEqual(['a started']);
      expect(store.calls.slice(0, 3)).toEqual(['get', 'update', 'get']);
      await a.stop();
    });
  });

  describe('clock skew: expiry is judged from when the candidate saw the lease change, by its own clock', () => {
    it('does not take a lease from a holder whose clock is an hour behind while it keeps renewing', async () => {
      const store = new FakeLeaseStore();
      const renew = (): void => store.writeAs('b', { renewTime: new Date(Date.now() - HOUR_MS) });
      renew();
      const renewing = setInterval(renew, 2000);
      const events: string[] = [];
      const a = elector(store, 'a', events);
      a.start();
      await at(60_000);
      expect(a.isLeader()).toBe(false);
      expect(store.holder()).toBe('b');
      clearInterval(renewing);
      await a.stop();
      expect(events).toEqual([]);
    });

    it('does not take at once a lease whose renewTime is long past: it first watches it unchanged for its duration', async () => {
      const store = new FakeLeaseStore();
      store.writeAs('b', { renewTime: new Date(-HOUR_MS) });
      const events: string[] = [];
      const a = elector(store, 'a', events);
      a.start();
      await at(14_000);
      expect(a.isLeader()).toBe(false);
      await at(16_000);
      expect(a.isLeader()).toBe(true);
      await a.stop();
    });

    it('takes a lease whose holder stopped renewing with its clock an hour ahead, 15 s after it last saw a change', async () => {
      const store = new FakeLeaseStore();
      store.writeAs('b', { renewTime: new Date(HOUR_MS) });
      const events: string[] = [];
      const a = elector(store, 'a', events);
      a.start();
      await at(14_000);
      expect(a.isLeader()).toBe(false);
      await at(16_000);
      expect(a.isLeader()).toBe(true);
      expect(store.holder()).toBe('a');
      await a.stop();
    });
  });

  describe('graceful release', () => {
    it('on stop a leader stops its work, then clears the holder so the next candidate acquires at once', async () => {
      const store = new FakeLeaseStore();
      const events: string[] = [];
      const a = elector(store, 'a', events, { onStoppedLeading: () => events.push(`a stopped, lease held by ${store.holder()}`) });
      a.start();
      await at(5000);
      await a.stop();
      expect(events).toEqual(['a started', 'a stopped, lease held by a']);
      expect(store.lease?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });

      const b = elector(store, 'b', events);
      b.start();
      await at(5000);
      expect(b.isLeader()).toBe(true);
      await b.stop();
    });

    it('does not release a lease another replica holds', async () => {
      const store = new FakeLeaseStore();
      const events: string[] = [];
      const a = elector(store, 'a', events);
      a.start();
      await at(0);
      store.writeAs('b');
      await at(2000);
      expect(a.isLeader()).toBe(false);
      await a.stop();
      expect(store.holder()).toBe('b');
    });

    it('a stop during an acquisition in flight neither starts leading nor keeps the lease', async () => {
      const store = new FakeLeaseStore();
      const events: string[] = [];
      const a = elector(store, 'a', events);
      const resume = store.pause();
      a.start();
      await at(0);
      const stopped = a.stop();
      resume();
      await stopped;
      expect(events).toEqual([]);
      expect(a.isLeader()).toBe(false);
      expect(store.holder()).toBe('');
    });
  });
});
