/**
 * The learned time-of-week demand profile: reservations per minute for each local quarter-hour of
 * the week, averaged week over week, so a pool without hand-written windows grows before its
 * usual morning ramp (as predictive scaling does for VMs, but per pool and in-cluster).
 *
 * Bounded: 672 slots, whatever the pool's age. Survives restarts: it lives in status. Never holds
 * a pool up after demand has moved: each week's observation replaces half the slot's value (a
 * stopped demand fades to an eighth in three weeks), and the engine discounts the profile by how
 * much of its own recent prediction really came (see `profileRateAhead`).
 */
import { PROFILE_SLOT_MINUTES, PROFILE_SLOTS, type DemandProfileStatus } from '../api/schema.js';
import { quarterHourOfWeek } from './local-time.js';
import { countBetween, type ReservationHistory } from './reservation-history.js';

const SLOT_MS = PROFILE_SLOT_MINUTES * 60_000;
const WEEK_MS = 7 * 24 * 3_600_000;
/** Weight of the newest week in a slot's average. */
export const PROFILE_WEEKLY_WEIGHT = 0.5;
/** An operator down longer than this missed the demand: those slots are left as they were, not learned as zero. */
export const PROFILE_MAX_GAP_MS = 60 * 60_000;
/** Pseudo-count that keeps the discount from reacting to one reservation more or less. */
const DISCOUNT_PRIOR = 2;

export interface DemandProfile {
  readonly timeZone: string;
  /** Learning started here; slots whose last occurrence is older are unknown. */
  readonly sinceMs: number;
  /** Start of the slot being counted, a multiple of the slot width in UTC. */
  readonly slotStartMs: number;
  readonly slotCount: number;
  /** Reservations per minute, indexed by local quarter-hour of the week. */
  readonly rates: readonly number[];
}

export function slotStartContaining(epochMs: number): number {
  return Math.floor(epochMs / SLOT_MS) * SLOT_MS;
}

export function emptyProfile(nowMs: number, timeZone: string): DemandProfile {
  return {
    timeZone,
    sinceMs: slotStartContaining(nowMs),
    slotStartMs: slotStartContaining(nowMs),
    slotCount: 0,
    rates: new Array<number>(PROFILE_SLOTS).fill(0),
  };
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** Closes every slot that has ended by `nowMs`, folding its count into the week's average. */
export function advanceProfile(profile: DemandProfile, nowMs: number): DemandProfile {
  const currentStart = slotStartContaining(nowMs);
  if (currentStart <= profile.slotStartMs) return profile;
  if (currentStart - profile.slotStartMs > PROFILE_MAX_GAP_MS) {
    // A gap: nothing was counted, so nothing is learned from it.
    return { ...profile, slotStartMs: currentStart, slotCount: 0 };
  }
  const rates = profile.rates.slice();
  for (let start = profile.slotStartMs; start < currentStart; start += SLOT_MS) {
    const observed = (start === profile.slotStartMs ? profile.slotCount : 0) / PROFILE_SLOT_MINUTES;
    const slot = quarterHourOfWeek(start, profile.timeZone);
    const learnedBefore = start - WEEK_MS >= profile.sinceMs;
    const previous = rates[slot] ?? 0;
    rates[slot] = round3(learnedBefore ? previous + PROFILE_WEEKLY_WEIGHT * (observed - previous) : observed);
  }
  return { ...profile, slotStartMs: currentStart, slotCount: 0, rates };
}

/** Counts reservations made at `atMs` into the current slot (late ones too: they were demand of this slot's neighbourhood). */
export function recordIntoProfile(profile: DemandProfile, atMs: number, count: number): DemandProfile {
  if (count <= 0) return profile;
  const advanced = advanceProfile(profile, atMs);
  return { ...advanced, slotCount: advanced.slotCount + count };
}

/** True when the slot at `atMs` has been seen at least once since learning started. */
function known(profile: DemandProfile, atMs: number): boolean {
  return atMs - WEEK_MS >= profile.sinceMs;
}

/** The profile's expected reservations between two instants (unknown slots count as nothing). */
function expectedBetween(profile: DemandProfile, fromMs: number, toMs: number): number {
  let total = 0;
  for (let start = slotStartContaining(fromMs); start < toMs; start += SLOT_MS) {
    const overlapMinutes = (Math.min(toMs, start + SLOT_MS) - Math.max(fromMs, start)) / 60_000;
    if (overlapMinutes <= 0 || !known(profile, start)) continue;
    total += (profile.rates[quarterHourOfWeek(start, profile.timeZone)] ?? 0) * overlapMinutes;
  }
  return total;
}

export interface ProfileForecast {
  /** Reservations per minute the profile expects over the horizon (its busiest slot), discounted. */
  rate: number;
  /** The share of the profile's recent prediction that came (at most 1). */
  discount: number;
}

/**
 * The profile's rate for [atMs, atMs + horizon]: the busiest slot it covers, so pods are warm when
 * a ramp starts, scaled by how much of the profile's expectation for the recent history really
 * arrived. A demand that has moved away (a holiday, a lost customer) switches the profile off
 * within minutes instead of weeks; a quiet night before the usual ramp leaves it at full weight,
 * since the profile expected little then too.
 */
export function profileRateAhead(
  profile: DemandProfile | undefined,
  history: ReservationHistory,
  atMs: number,
  horizonMs: number,
): ProfileForecast | undefined {
  if (profile === undefined || !known(profile, atMs)) return undefined;
  let rate = 0;
  for (let start = slotStartContaining(atMs); start < atMs + horizonMs; start += SLOT_MS) {
    rate = Math.max(rate, profile.rates[quarterHourOfWeek(start, profile.timeZone)] ?? 0);
  }
  if (rate <= 0) return { rate: 0, discount: 1 };
  const spanMs = history.counts.length * history.bucketSeconds * 1000;
  const fromMs = atMs - spanMs;
  const expected = expectedBetween(profile, fromMs, atMs);
  const observed = countBetween(history, fromMs, atMs);
  const discount = Math.min(1, (observed + DISCOUNT_PRIOR) / (expected + DISCOUNT_PRIOR));
  return { rate: rate * discount, discount };
}

export function encodeProfile(profile: DemandProfile): DemandProfileStatus {
  return {
    timeZone: profile.timeZone,
    slotMinutes: PROFILE_SLOT_MINUTES,
    since: new Date(profile.sinceMs).toISOString(),
    slotStart: new Date(profile.slotStartMs).toISOString(),
    slotCount: profile.slotCount,
    rates: [...profile.rates],
  };
}

/**
 * Reads the profile from status. Anything malformed, or a profile learned in another zone (the
 * spec's timeZone changed), starts over empty rather than failing or mislabelling the week.
 */
export function decodeProfile(status: DemandProfileStatus | undefined, nowMs: number, timeZone: string): DemandProfile {
  if (status === undefined) return emptyProfile(nowMs, timeZone);
  const sinceMs = Date.parse(status.since);
  const slotStartMs = Date.parse(status.slotStart);
  const valid =
    status.timeZone === timeZone &&
    status.slotMinutes === PROFILE_SLOT_MINUTES &&
    Number.isFinite(sinceMs) &&
    Number.isFinite(slotStartMs) &&
    slotStartMs % SLOT_MS === 0 &&
    Number.isInteger(status.slotCount) &&
    status.slotCount >= 0 &&
    Array.isArray(status.rates) &&
    status.rates.length === PROFILE_SLOTS &&
    status.rates.every((rate) => Number.isFinite(rate) && rate >= 0);
  if (!valid) return emptyProfile(nowMs, timeZone);
  return { timeZone, sinceMs, slotStartMs, slotCount: status.slotCount, rates: status.rates };
}
