/**
 * Velocity and acceleration of the reservation rate, estimated from the bucketed history.
 *
 * velocity: the rate over the last five minutes, raised to the last minute's rate when that is
 * higher beyond its own noise. The short window is a Poisson count, so it is read at its lower
 * two-sigma bound ((count - 2 sqrt(count)) per minute): a real burst (30 in a minute reads as
 * 19/min) shows at once, while ordinary noise around a steady rate does not read as a rise; the
 * availability quantile covers that noise already, and scale-down stabilization would hold every
 * noisy peak for its whole window.
 * The long window keeps sparse demand (one reservation every few minutes) from reading as zero
 * and lets a burst fade over minutes instead of seconds.
 * acceleration: the least-squares slope of the per-minute rates over the last five minutes, which
 * a single noisy minute moves far less than a difference of two minutes would.
 * trend: the part of a rising acceleration beyond its own Poisson noise (two standard errors of
 * the slope). At 8/min the slope of five noisy minutes has a standard error near 0.9/min², so the
 * raw slope projected over a warm-up adds pods on every noisy upswing, and scale-down
 * stabilization holds each of them for its window: on the shipped diurnal and ramp traces that
 * alone kept the pool 9-11 % larger, buying cold rates far below the 1 % budget (0.05 % instead of
 * 0.3 % on the 3-week trace). A real ramp clears the bound.
 */
import type { ReservationHistory } from './reservation-history.js';

export const SHORT_WINDOW_SECONDS = 60;
export const LONG_WINDOW_SECONDS = 300;
/** How far below its count the short window is read: two standard deviations of a Poisson count. */
export const SHORT_WINDOW_SIGMAS = 2;

export interface Rate {
  /** Reservations per minute. */
  velocity: number;
  /** Reservations per minute, per minute. */
  acceleration: number;
  /** The rise of the rate beyond the slope's noise (per minute, per minute); 0 when not rising significantly. */
  trend: number;
}

/** How many standard errors of the slope a rise must clear to be projected ahead. */
export const TREND_SIGMAS = 2;

interface Slot {
  count: number;
  seconds: number;
}

/**
 * The buckets covering the `seconds` before `atMs`, newest first. The bucket containing `atMs`
 * counts only the part that has elapsed, so a rate is never diluted by time that has not happened.
 */
function slotsBefore(history: ReservationHistory, atMs: number, seconds: number): Slot[] {
  const bucketMs = history.bucketSeconds * 1000;
  const currentEnd = Math.ceil(atMs / bucketMs) * bucketMs;
  const elapsedInCurrent = Math.max((atMs - (currentEnd - bucketMs)) / 1000, 1e-3);
  const slots: Slot[] = [];
  const wanted = Math.round(seconds / history.bucketSeconds);
  for (let age = 0; age < wanted; age += 1) {
    const end = currentEnd - age * bucketMs;
    const index = history.counts.length - 1 - Math.round((history.endMs - end) / bucketMs);
    const count = index >= 0 && index < history.counts.length ? (history.counts[index] ?? 0) : 0;
    slots.push({ count, seconds: age === 0 ? elapsedInCurrent : history.bucketSeconds });
  }
  return slots;
}

function totals(slots: readonly Slot[]): { count: number; seconds: number } {
  let count = 0;
  let seconds = 0;
  for (const slot of slots) {
    count += slot.count;
    seconds += slot.seconds;
  }
  return { count, seconds };
}

function perMinute(slots: readonly Slot[]): number {
  let count = 0;
  let seconds = 0;
  for (const slot of slots) {
    count += slot.count;
    seconds += slot.seconds;
  }
  return seconds > 0 ? (count / seconds) * 60 : 0;
}

export function rateAt(history: ReservationHistory, atMs: number): Rate {
  const slots = slotsBefore(history, atMs, LONG_WINDOW_SECONDS);
  const perMinuteSlots = Math.max(1, Math.round(SHORT_WINDOW_SECONDS / history.bucketSeconds));
  const short = totals(slots.slice(0, perMinuteSlots));
  const shortLowerBound =
    short.seconds > 0 ? (Math.max(0, short.count - SHORT_WINDOW_SIGMAS * Math.sqrt(short.count)) / short.seconds) * 60 : 0;
  const velocity = Math.max(shortLowerBound, perMinute(slots));

  // Per-minute rates, newest first, at x = minutes before atMs (group midpoints).
  const xs: number[] = [];
  const ys: number[] = [];
  const seconds: number[] = [];
  let offsetSeconds = 0;
  for (let start = 0; start < slots.length; start += perMinuteSlots) {
    const group = slots.slice(start, start + perMinuteSlots);
    const groupSeconds = group.reduce((sum, slot) => sum + slot.seconds, 0);
    xs.push(-(offsetSeconds + groupSeconds / 2) / 60);
    ys.push(perMinute(group));
    seconds.push(groupSeconds);
    offsetSeconds += groupSeconds;
  }
  const acceleration = leastSquaresSlope(xs, ys);
  const trend = Math.max(0, acceleration - TREND_SIGMAS * slopeStandardError(xs, seconds, velocity));
  return { velocity, acceleration, trend };
}

/**
 * The standard error of the least-squares slope when each per-minute rate is a Poisson count at
 * `ratePerMinute` over its group's seconds (a shorter, still filling group is noisier). Sparse
 * demand is floored at one reservation per long window so a first arrival is not read as a ramp.
 */
function slopeStandardError(xs: readonly number[], seconds: readonly number[], ratePerMinute: number): number {
  const n = xs.length;
  if (n < 2) return 0;
  const rate = Math.max(ratePerMinute, 60 / LONG_WINDOW_SECONDS);
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  let spread = 0;
  let weighted = 0;
  for (let i = 0; i < n; i += 1) {
    const dx = (xs[i] as number) - meanX;
    spread += dx * dx;
    weighted += dx * dx * ((rate * 60) / Math.max(seconds[i] as number, 1e-3));
  }
  return spread > 0 ? Math.sqrt(weighted) / spread : 0;
}

function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < n; i += 1) {
    const dx = (xs[i] as number) - meanX;
    covariance += dx * ((ys[i] as number) - meanY);
    variance += dx * dx;
  }
  return variance > 0 ? covariance / variance : 0;
}
