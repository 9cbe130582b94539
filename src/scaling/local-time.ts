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
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function localTime(epochMs: number, timeZone: string): LocalTime {
  let day: Day = 'Mon';
  let hour = 0;
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type === 'weekday') day = part.value as Day;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
  }
  return { day, hour };
}

export function previousDay(day: Day): Day {
  return DAYS[(DAYS.indexOf(day) + DAYS.length - 1) % DAYS.length] as Day;
}
