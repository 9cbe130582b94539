import { describe, expect, it } from 'vitest';
import type { TimeWindow } from '../../../src/api/schema.js';
import { localTime } from '../../../src/scaling/local-time.js';
import { windowCovers, windowTarget } from '../../../src/scaling/time-windows.js';
import { at, makeSpec } from '../support/spec.js';

const MINUTE = 60_000;

describe('localTime', () => {
  it('reads day and hour in the zone, across daylight-saving changes', () => {
    expect(localTime(at('2026-01-05T07:30:00Z'), 'Europe/Berlin')).toEqual({ day: 'Mon', hour: 8 });
    expect(localTime(at('2026-07-06T07:30:00Z'), 'Europe/Berlin')).toEqual({ day: 'Mon', hour: 9 });
    expect(localTime(at('2026-01-05T03:00:00Z'), 'America/Los_Angeles')).toEqual({ day: 'Sun', hour: 19 });
    expect(localTime(at('2026-01-05T00:00:00Z'), 'Asia/Kolkata')).toEqual({ day: 'Mon', hour: 5 });
    expect(localTime(at('2026-01-04T23:59:59Z'), 'UTC')).toEqual({ day: 'Sun', hour: 23 });
  });
});

describe('windowCovers', () => {
  const day: TimeWindow = { hourStart: 8, hourEnd: 20, targetPoolSize: 1 };
  const night: TimeWindow = { hourStart: 22, hourEnd: 6, targetPoolSize: 1, days: ['Fri'] };
  const toMidnight: TimeWindow = { hourStart: 18, hourEnd: 0, targetPoolSize: 1 };
  const allDay: TimeWindow = { hourStart: 0, hourEnd: 24, targetPoolSize: 1 };

  it('treats hourStart as inclusive and hourEnd as exclusive', () => {
    expect(windowCovers(day, { day: 'Mon', hour: 7 })).toBe(false);
    expect(windowCovers(day, { day: 'Mon', hour: 8 })).toBe(true);
    expect(windowCovers(day, { day: 'Mon', hour: 19 })).toBe(true);
    expect(windowCovers(day, { day: 'Mon', hour: 20 })).toBe(false);
  });

  it('wraps midnight and counts the wrapped hours to the day the window started', () => {
    expect(windowCovers(night, { day: 'Fri', hour: 21 })).toBe(false);
    expect(windowCovers(night, { day: 'Fri', hour: 22 })).toBe(true);
    expect(windowCovers(night, { day: 'Fri', hour: 3 })).toBe(false);
    expect(windowCovers(night, { day: 'Sat', hour: 3 })).toBe(true);
    expect(windowCovers(night, { day: 'Sat', hour: 6 })).toBe(false);
    expect(windowCovers(night, { day: 'Sat', hour: 22 })).toBe(false);
  });

  it('reads hourEnd 0 and 24 as midnight', () => {
    expect(windowCovers(toMidnight, { day: 'Mon', hour: 23 })).toBe(true);
    expect(windowCovers(toMidnight, { day: 'Tue', hour: 0 })).toBe(false);
    for (let hour = 0; hour < 24; hour += 1) expect(windowCovers(allDay, { day: 'Wed', hour })).toBe(true);
  });

  it('applies to every day when days is empty or unset', () => {
    expect(windowCovers({ ...day, days: [] }, { day: 'Sun', hour: 9 })).toBe(true);
    expect(windowCovers({ ...day, days: ['Mon'] }, { day: 'Sun', hour: 9 })).toBe(false);
  });
});

describe('windowTarget', () => {
  const spec = makeSpec({
    timeZone: 'Europe/Berlin',
    timeBasedScaling: [
      { hourStart: 8, hourEnd: 20, targetPoolSize: 40, days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] },
      { hourStart: 12, hourEnd: 14, targetPoolSize: 60 },
      { hourStart: 9, hourEnd: 17, targetPoolSize: 10 },
    ],
  });

  it('is undefined outside every window and without windows', () => {
    expect(windowTarget(spec, at('2026-01-05T03:00:00Z'), 0)).toBeUndefined();
    expect(windowTarget(makeSpec(), at('2026-01-05T03:00:00Z'), 0)).toBeUndefined();
  });

  it('picks the larger target where windows overlap', () => {
    expect(windowTarget(spec, at('2026-01-05T09:00:00Z'), 0)).toMatchObject({ target: 40, index: 0, preScaled: false });
    expect(windowTarget(spec, at('2026-01-05T11:30:00Z'), 0)).toMatchObject({ target: 60, index: 1 });
  });

  it('pre-scales: a window applies one lead time before it starts', () => {
    // 08:00 Berlin is 07:00 UTC in winter.
    expect(windowTarget(spec, at('2026-01-05T06:59:00Z'), 90_000)).toMatchObject({ target: 40, preScaled: true });
    expect(windowTarget(spec, at('2026-01-05T06:59:00Z'), 60_000)).toMatchObject({ target: 40, preScaled: true });
    expect(windowTarget(spec, at('2026-01-05T06:59:00Z'), 59_000)).toBeUndefined();
    // On Saturday the weekday window does not pre-scale, but the daily 12-14 one does.
    expect(windowTarget(spec, at('2026-01-10T06:59:00Z'), 90_000)).toBeUndefined();
    expect(windowTarget(spec, at('2026-01-10T10:55:00Z'), 5 * MINUTE)).toMatchObject({ target: 60, preScaled: true });
  });

  it('follows daylight saving time: 08:00 Berlin is 06:00 UTC in summer', () => {
    expect(windowTarget(spec, at('2026-07-06T06:00:00Z'), 0)).toMatchObject({ target: 40 });
    expect(windowTarget(spec, at('2026-07-06T05:59:00Z'), 0)).toBeUndefined();
    // The spring-forward day (2026-03-29, 02:00 -> 03:00): a 2-3 window never happens that night.
    const skipped = makeSpec({ timeZone: 'Europe/Berlin', timeBasedScaling: [{ hourStart: 2, hourEnd: 3, targetPoolSize: 5 }] });
    for (let t = at('2026-03-28T23:00:00Z'); t < at('2026-03-29T03:00:00Z'); t += 5 * MINUTE) {
      expect(windowTarget(skipped, t, 0)).toBeUndefined();
    }
  });

  it('follows the fall-back day: the repeated hour counts twice, and winter time starts after it', () => {
    // 2026-10-25 in Berlin: 03:00 CEST -> 02:00 CET, so local 02:00-03:00 lasts two real hours.
    const repeated = makeSpec({ timeZone: 'Europe/Berlin', timeBasedScaling: [{ hourStart: 2, hourEnd: 3, targetPoolSize: 5 }] });
    expect(windowTarget(repeated, at('2026-10-24T23:59:00Z'), 0)).toBeUndefined();
    for (let t = at('2026-10-25T00:00:00Z'); t < at('2026-10-25T02:00:00Z'); t += 5 * MINUTE) {
      expect(windowTarget(repeated, t, 0)).toMatchObject({ target: 5 });
    }
    expect(windowTarget(repeated, at('2026-10-25T02:00:00Z'), 0)).toBeUndefined();
    // The next morning a 08:00 Berlin window starts at 07:00 UTC, and pre-scaling leads it by the warm-up.
    expect(windowTarget(spec, at('2026-10-26T06:59:00Z'), 0)).toBeUndefined();
    expect(windowTarget(spec, at('2026-10-26T07:00:00Z'), 0)).toMatchObject({ target: 40 });
    expect(windowTarget(spec, at('2026-10-26T06:55:00Z'), 5 * MINUTE)).toMatchObject({ target: 40, preScaled: true });
  });

  it('finds a window that starts and ends within a long lead time', () => {
    const short = makeSpec({ timeBasedScaling: [{ hourStart: 10, hourEnd: 11, targetPoolSize: 7 }] });
    expect(windowTarget(short, at('2026-01-05T09:00:00Z'), 3_600_000)).toMatchObject({ target: 7, preScaled: true });
    expect(windowTarget(short, at('2026-01-05T09:00:00Z'), 3_599_000)).toBeUndefined();
  });
});
