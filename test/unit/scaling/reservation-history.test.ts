import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advanceHistory,
  bucketEndContaining,
  decodeHistory,
  emptyHistory,
  encodeHistory,
  recordReservations,
  totalReservations,
  type ReservationHistory,
} from '../../../src/scaling/reservation-history.js';
import { at } from '../support/spec.js';

const T0 = at('2026-01-05T10:00:00Z');

describe('reservation history', () => {
  it('puts an instant on a boundary into the bucket that ends there', () => {
    expect(bucketEndContaining(T0, 15)).toBe(T0);
    expect(bucketEndContaining(T0 + 1, 15)).toBe(T0 + 15_000);
  });

  it('counts reservations into 15 s buckets and moves forward with time', () => {
    let history = emptyHistory(T0);
    history = recordReservations(history, T0 + 1_000, 1, 40);
    history = recordReservations(history, T0 + 14_000, 2, 40);
    history = recordReservations(history, T0 + 31_000, 1, 40);
    expect(history.counts).toEqual([3, 0, 1]);
    expect(history.endMs).toBe(T0 + 45_000);
    expect(advanceHistory(history, T0 + 61_000, 40).counts).toEqual([3, 0, 1, 0, 0]);
  });

  it('keeps late events that still fit and drops older ones', () => {
    let history = recordReservations(emptyHistory(T0), T0 + 60_000, 1, 4);
    history = recordReservations(history, T0 + 10_000, 5, 4);
    expect(history.counts).toEqual([5, 0, 0, 1]);
    expect(recordReservations(history, T0 - 60_000, 9, 4)).toBe(history);
  });

  it('stays bounded however long it runs', () => {
    let history = emptyHistory(T0);
    for (let i = 0; i < 1000; i += 1) history = recordReservations(history, T0 + i * 7_000, 1, 40);
    expect(history.counts.length).toBe(40);
    expect(advanceHistory(history, T0 + 10 * 86_400_000, 40).counts).toEqual(new Array(40).fill(0));
  });

  it('decodes malformed status as empty instead of failing', () => {
    expect(decodeHistory(undefined, T0).counts).toEqual([]);
    expect(decodeHistory({ bucketSeconds: 15, endTime: 'yesterday', counts: [1] }, T0).counts).toEqual([]);
    expect(decodeHistory({ bucketSeconds: 15, endTime: '2026-01-05T10:00:07Z', counts: [1] }, T0).counts).toEqual([]);
    expect(decodeHistory({ bucketSeconds: 15, endTime: '2026-01-05T10:00:00Z', counts: [1, -1] }, T0).counts).toEqual([]);
  });

  it('round-trips through the status encoding (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3_600_000 }), fc.integer({ min: 1, max: 50 })), { maxLength: 200 }),
        fc.integer({ min: 1, max: 120 }),
        (events, maxBuckets) => {
          let history: ReservationHistory = emptyHistory(T0);
          for (const [offset, count] of events) history = recordReservations(history, T0 + offset, count, maxBuckets);
          const decoded = decodeHistory(JSON.parse(JSON.stringify(encodeHistory(history))), T0);
          expect(decoded).toEqual(history);
          expect(history.counts.length).toBeLessThanOrEqual(maxBuckets);
          expect(totalReservations(history)).toBeLessThanOrEqual(events.reduce((sum, [, count]) => sum + count, 0));
        },
      ),
    );
  });
});
