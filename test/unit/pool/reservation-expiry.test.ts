import { describe, expect, it } from 'vitest';
import { RESERVATION_TTL_ANNOTATION, RESERVED_AT_ANNOTATION, STATE_LABEL } from '../../../src/api/labels.js';
import type { PodView } from '../../../src/pool/pod-view.js';
import { reservationExpiry } from '../../../src/pool/reservation-expiry.js';

const NOW = Date.parse('2026-01-05T10:00:00Z');

function reserved(name: string, reservedAt: string | undefined, ttl: string | undefined, deleting = false): PodView {
  const annotations: Record<string, string> = {};
  if (reservedAt !== undefined) annotations[RESERVED_AT_ANNOTATION] = reservedAt;
  if (ttl !== undefined) annotations[RESERVATION_TTL_ANNOTATION] = ttl;
  return {
    name,
    labels: { [STATE_LABEL]: 'reserved' },
    annotations,
    createdMs: 0,
    phase: 'Running',
    ready: true,
    deletingMs: deleting ? NOW : undefined,
  };
}

describe('reservationExpiry', () => {
  it('ends a reservation at reserved-at plus its TTL, not a millisecond before', () => {
    const result = reservationExpiry(
      [
        reserved('due', '2026-01-05T09:59:00Z', '60'),
        reserved('almost', '2026-01-05T09:59:00.001Z', '60'),
        reserved('past', '2026-01-05T09:00:00Z', '60'),
      ],
      NOW,
    );
    expect(result.expired.map((p) => p.name)).toEqual(['due', 'past']);
    expect(result.nextExpiryInMs).toBe(1);
  });

  it('reports the soonest expiry among the live ones', () => {
    const result = reservationExpiry([reserved('a', '2026-01-05T10:00:00Z', '3600'), reserved('b', '2026-01-05T10:00:00Z', '30')], NOW);
    expect(result).toEqual({ expired: [], nextExpiryInMs: 30_000 });
  });

  it('ignores reservations without a TTL, with a malformed one or no reserved-at, and pods already going', () => {
    const result = reservationExpiry(
      [
        reserved('no-ttl', '2026-01-05T09:00:00Z', undefined),
        reserved('zero', '2026-01-05T09:00:00Z', '0'),
        reserved('junk', '2026-01-05T09:00:00Z', 'soon'),
        reserved('no-time', undefined, '1'),
        reserved('deleting', '2026-01-05T09:00:00Z', '1', true),
      ],
      NOW,
    );
    expect(result).toEqual({ expired: [], nextExpiryInMs: undefined });
  });
});
