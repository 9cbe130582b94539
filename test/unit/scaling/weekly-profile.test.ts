import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROFILE_SLOTS } from '../../../src/api/schema.js';
import { quarterHourOfWeek } from '../../../src/scaling/local-time.js';
import { emptyHistory, recordReservations } from '../../../src/scaling/reservation-history.js';
import {
  advanceProfile,
  decodeProfile,
  emptyProfile,
  encodeProfile,
  PROFILE_MAX_GAP_MS,
  profileRateAhead,
  recordIntoProfile,
  type DemandProfile,
} from '../../../src/scaling/weekly-profile.js';
import { at } from '../support/spec.js';

const MONDAY = at('2026-01-05T00:00:00Z');
const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;

/** Runs a profile through `weeks` weeks where `perMinute(t)` reservations arrive each minute. */
function learn(profile: DemandProfile, fromMs: number, minutes: number, perMinute: (t: number) => number): DemandProfile {
  let p = profile;
  for (let m = 0; m < minutes; m += 1) {
    const t = fromMs + m * MINUTE;
    p = recordIntoProfile(advanceProfile(p, t), t + 1, perMinute(t));
  }
  return advanceProfile(p, fromMs + minutes * MINUTE);
}

const morning = (timeZone: string) => (t: number) => {
  const slot = quarterHourOfWeek(t, timeZone) % 96;
  return slot >= 36 && slot < 40 ? 4 : 0; // 09:00-10:00 local, every day
};

describe('quarterHourOfWeek', () => {
  it('counts local quarter-hours from Monday 00:00, daylight saving included', () => {
    expect(quarterHourOfWeek(MONDAY, 'UTC')).toBe(0);
    expect(quarterHourOfWeek(at('2026-01-11T23:59:00Z'), 'UTC')).toBe(PROFILE_SLOTS - 1);
    expect(quarterHourOfWeek(at('2026-01-05T08:15:00Z'), 'Europe/Berlin')).toBe(9 * 4 + 1);
    expect(quarterHourOfWeek(at('2026-07-06T07:15:00Z'), 'Europe/Berlin')).toBe(9 * 4 + 1);
    expect(quarterHourOfWeek(at('2026-01-05T03:45:00Z'), 'Asia/Kolkata')).toBe(9 * 4 + 1);
  });
});

describe('the weekly profile', () => {
  it('learns a slot rate in its first week and averages the weeks after', () => {
    let profile = learn(emptyProfile(MONDAY, 'UTC'), MONDAY, 7 * 24 * 60, morning('UTC'));
    expect(profile.rates[36]).toBe(4);
    expect(profile.rates[35]).toBe(0);
    // Week two at twice the rate: half of the new week, half of the old.
    profile = learn(profile, MONDAY + WEEK, 7 * 24 * 60, (t) => 2 * morning('UTC')(t));
    expect(profile.rates[36]).toBe(6);
    expect(profile.rates.length).toBe(PROFILE_SLOTS);
  });

  it('fades a demand that stopped, by half each week', () => {
    let profile = learn(emptyProfile(MONDAY, 'UTC'), MONDAY, 7 * 24 * 60, morning('UTC'));
    for (let week = 1; week <= 3; week += 1) profile = learn(profile, MONDAY + week * WEEK, 7 * 24 * 60, () => 0);
    expect(profile.rates[36]).toBe(0.5);
  });

  it('keeps the local hour across a daylight-saving change', () => {
    // Europe/Berlin moves to summer time on 2026-03-29: 09:00 local is 08:00 UTC before, 07:00 UTC after.
    const start = at('2026-03-23T00:00:00Z');
    let profile = learn(emptyProfile(start, 'Europe/Berlin'), start, 14 * 24 * 60, morning('Europe/Berlin'));
    expect(profile.rates[36]).toBe(4);
    const history = emptyHistory(at('2026-04-06T06:50:00Z'));
    const beforeRamp = profileRateAhead(profile, history, at('2026-04-06T06:50:00Z'), 15 * MINUTE);
    expect(beforeRamp?.rate).toBe(4); // 08:50 local: the 09:00 slot is within the horizon
    expect(profileRateAhead(profile, history, at('2026-04-06T05:50:00Z'), 15 * MINUTE)?.rate).toBe(0);
    profile = learn(profile, at('2026-04-06T00:00:00Z'), 60, () => 0);
    expect(profile.rates.length).toBe(PROFILE_SLOTS);
  });

  it('is unknown for a week, then forecasts the busiest slot of the horizon', () => {
    const fresh = emptyProfile(MONDAY, 'UTC');
    expect(
      profileRateAhead(fresh, emptyHistory(MONDAY + 3 * 24 * 60 * MINUTE), MONDAY + 3 * 24 * 60 * MINUTE, 10 * MINUTE),
    ).toBeUndefined();
    const profile = learn(fresh, MONDAY, 7 * 24 * 60, morning('UTC'));
    const nextMonday = MONDAY + WEEK;
    expect(profileRateAhead(profile, emptyHistory(nextMonday), nextMonday + 8 * 60 * MINUTE + 50 * MINUTE, 15 * MINUTE)?.rate).toBe(4);
    expect(profileRateAhead(profile, emptyHistory(nextMonday), nextMonday + 7 * 60 * MINUTE, 15 * MINUTE)?.rate).toBe(0);
  });

  it('is discounted when the demand it predicted for the recent past did not come', () => {
    const profile = learn(emptyProfile(MONDAY, 'UTC'), MONDAY, 7 * 24 * 60, morning('UTC'));
    const t = MONDAY + WEEK + 9 * 60 * MINUTE + 30 * MINUTE; // 09:30 of week two
    let quiet = emptyHistory(t - 10 * MINUTE);
    quiet = recordReservations(quiet, t - 5 * MINUTE, 1, 41);
    const moved = profileRateAhead(profile, quiet, t, 15 * MINUTE);
    expect(moved?.discount).toBeLessThan(0.2);
    let busy = emptyHistory(t - 10 * MINUTE);
    for (let m = 1; m <= 10; m += 1) busy = recordReservations(busy, t - m * MINUTE + 1, 4, 41);
    const came = profileRateAhead(profile, busy, t, 15 * MINUTE);
    expect(came?.discount).toBeGreaterThan(0.9);
    expect(came?.rate).toBeGreaterThan(3.6);
  });

  it('learns nothing from a gap in which no operator counted', () => {
    const profile = learn(emptyProfile(MONDAY, 'UTC'), MONDAY, 7 * 24 * 60, morning('UTC'));
    const after = advanceProfile(profile, profile.slotStartMs + PROFILE_MAX_GAP_MS + 15 * MINUTE);
    expect(after.rates).toEqual(profile.rates);
  });

  it('stays bounded and valid whatever arrives (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 3 * 3_600_000 }), count: fc.integer({ min: 0, max: 50 }) }), { maxLength: 200 }),
        fc.constantFrom('UTC', 'America/New_York', 'Asia/Kathmandu'),
        (steps, timeZone) => {
          let t = MONDAY;
          let profile = emptyProfile(t, timeZone);
          for (const step of steps) {
            t += step.dt;
            profile = recordIntoProfile(profile, t, step.count);
          }
          profile = advanceProfile(profile, t + 1);
          expect(profile.rates.length).toBe(PROFILE_SLOTS);
          expect(profile.rates.every((rate) => Number.isFinite(rate) && rate >= 0)).toBe(true);
          expect(decodeProfile(encodeProfile(profile), t + 1, timeZone)).toEqual(profile);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('starts over when status is malformed or learned in another zone', () => {
    const profile = learn(emptyProfile(MONDAY, 'UTC'), MONDAY, 24 * 60, morning('UTC'));
    const encoded = encodeProfile(profile);
    expect(decodeProfile(encoded, MONDAY + 86_400_000, 'Europe/Berlin').rates.every((rate) => rate === 0)).toBe(true);
    expect(decodeProfile({ ...encoded, rates: [1, 2] }, MONDAY, 'UTC')).toEqual(emptyProfile(MONDAY, 'UTC'));
    expect(decodeProfile({ ...encoded, slotStart: 'yesterday' }, MONDAY, 'UTC')).toEqual(emptyProfile(MONDAY, 'UTC'));
  });
});
