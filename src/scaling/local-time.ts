/** Wall-clock day and hour of an instant in an IANA time zone (daylight saving included). */
import { DAYS, type Day } from '../api/schema.js';

export interface LocalTime {
  day: Day;
  hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const QUARTER_HOUR_MS = 15 * 60 * 1000;

interface LocalQuarter {
  time: LocalTime;
  /** 0 = Monday 00:00-00:15 local, 671 = Sunday 23:45. */
  quarterOfWeek: number;
}

const memo = new Map<string, LocalQuarter>();

/**
 * Every zone's offset is a multiple of 15 minutes, so all instants of one UTC quarter-hour share
 * their local day, hour and quarter-hour: the answer is memoized per quarter-hour (Intl formatting
 * is the engine's most expensive step, and stabilization asks about the same quarter-hours repeatedly).
 */
function localQuarter(epochMs: number, timeZone: string): LocalQuarter {
  const key = `${timeZone}|${Math.floor(epochMs / QUARTER_HOUR_MS)}`;
  let cached = memo.get(key);
  if (cached === undefined) {
    if (memo.size >= 50_000) memo.clear();
    cached = formatLocalQuarter(epochMs, timeZone);
    memo.set(key, cached);
  }
  return cached;
}

function formatLocalQuarter(epochMs: number, timeZone: string): LocalQuarter {
  let day: Day = 'Mon';
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type === 'weekday') day = part.value as Day;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { time: { day, hour }, quarterOfWeek: DAYS.indexOf(day) * 96 + hour * 4 + Math.floor(minute / 15) };
}

export function localTime(epochMs: number, timeZone: string): LocalTime {
  return localQuarter(epochMs, timeZone).time;
}

/**
 * The local quarter-hour of the week (0 = Monday 00:00-00:15 local, 671 = Sunday 23:45), read in
 * the zone with its daylight saving: a pool's Monday-9:00 slot stays at 9:00 local across a change.
 */
export function quarterHourOfWeek(epochMs: number, timeZone: string): number {
  return localQuarter(epochMs, timeZone).quarterOfWeek;
}

export function previousDay(day: Day): Day {
  return DAYS[(DAYS.indexOf(day) + DAYS.length - 1) % DAYS.length] as Day;
}
