/**
 * Which time window applies at an instant, with pre-scaling: a window's target applies from one
 * lead time before it starts, so its pods are Ready at hourStart rather than one warm-up later.
 */
import type { PodPoolSpec, TimeWindow } from '../api/schema.js';
import { localTime, previousDay, type LocalTime } from './local-time.js';

/** hourEnd 0 and 24 both mean midnight; hourEnd below hourStart wraps into the next day. */
function wrapsMidnight(window: TimeWindow): boolean {
  return window.hourEnd !== 0 && window.hourEnd < window.hourStart;
}

function startsOn(window: TimeWindow, day: LocalTime['day']): boolean {
  return window.days === undefined || window.days.length === 0 || window.days.includes(day);
}

/** True when the window covers the local time. A window belongs to the day it starts on. */
export function windowCovers(window: TimeWindow, at: LocalTime): boolean {
  if (wrapsMidnight(window)) {
    if (at.hour >= window.hourStart) return startsOn(window, at.day);
    if (at.hour < window.hourEnd) return startsOn(window, previousDay(at.day));
    return false;
  }
  const end = window.hourEnd === 0 ? 24 : window.hourEnd;
  return at.hour >= window.hourStart && at.hour < end && startsOn(window, at.day);
}

export interface WindowTarget {
  target: number;
  window: TimeWindow;
  index: number;
  /** True when the window has not started yet and applies early because of the lead time. */
  preScaled: boolean;
}

const QUARTER_HOUR_MS = 15 * 60 * 1000;

/**
 * The largest target among windows active at `nowMs` or starting within the next `leadMs`.
 * Local hours change only on quarter-hour UTC boundaries (every zone's offset is a multiple of
 * 15 minutes), so checking `now` and those boundaries up to now + lead finds every start.
 */
export function windowTarget(spec: PodPoolSpec, nowMs: number, leadMs: number): WindowTarget | undefined {
  const windows = spec.timeBasedScaling ?? [];
  if (windows.length === 0) return undefined;
  const instants = [nowMs];
  for (let t = Math.floor(nowMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS + QUARTER_HOUR_MS; t <= nowMs + leadMs; t += QUARTER_HOUR_MS) {
    instants.push(t);
  }
  let best: WindowTarget | undefined;
  instants.forEach((instant, position) => {
    const at = localTime(instant, spec.timeZone);
    windows.forEach((window, index) => {
      if (!windowCovers(window, at)) return;
      const preScaled = position > 0;
      if (
        best === undefined ||
        window.targetPoolSize > best.target ||
        (window.targetPoolSize === best.target && best.preScaled && !preScaled)
      ) {
        best = { target: window.targetPoolSize, window, index, preScaled };
      }
    });
  });
  return best;
}

export function describeWindow(window: TimeWindow): string {
  const hours = `${String(window.hourStart).padStart(2, '0')}-${String(window.hourEnd).padStart(2, '0')}`;
  return window.days === undefined || window.days.length === 0 ? hours : `${hours} ${window.days.join(',')}`;
}
