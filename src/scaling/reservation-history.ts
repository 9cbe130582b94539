/**
 * The recent reservation history: reservations counted into fixed time buckets. It is small and
 * bounded, lives in PodPool status (encode/decode), and is all the engine needs to estimate the
 * reservation rate, so an operator restart loses nothing.
 *
 * A bucket covers the half-open interval (end - bucketSeconds, end]: an instant on a boundary
 * belongs to the bucket that ends there.
 */
import type { ReservationHistoryStatus } from '../api/schema.js';

export const DEFAULT_BUCKET_SECONDS = 15;
export const MAX_BUCKETS = 512;

export interface ReservationHistory {
  readonly bucketSeconds: number;
  /** End of the newest bucket, epoch milliseconds, a multiple of bucketSeconds. */
  readonly endMs: number;
  /** Reservations per bucket, oldest first. */
  readonly counts: readonly number[];
}

export function emptyHistory(nowMs: number, bucketSeconds = DEFAULT_BUCKET_SECONDS): ReservationHistory {
  return { bucketSeconds, endMs: bucketEndContaining(nowMs, bucketSeconds), counts: [] };
}

export function bucketEndContaining(epochMs: number, bucketSeconds: number): number {
  const bucketMs = bucketSeconds * 1000;
  return Math.ceil(epochMs / bucketMs) * bucketMs;
}

/** Moves the newest bucket forward to the one containing `nowMs`, keeping at most `maxBuckets`. */
export function advanceHistory(history: ReservationHistory, nowMs: number, maxBuckets: number): ReservationHistory {
  const end = bucketEndContaining(nowMs, history.bucketSeconds);
  const shift = Math.round((end - history.endMs) / (history.bucketSeconds * 1000));
  if (shift <= 0) return trimHistory(history, maxBuckets);
  const padding = Math.min(shift, maxBuckets);
  const counts = history.counts.concat(new Array<number>(padding).fill(0));
  return trimHistory({ bucketSeconds: history.bucketSeconds, endMs: end, counts }, maxBuckets);
}

function trimHistory(history: ReservationHistory, maxBuckets: number): ReservationHistory {
  if (history.counts.length <= maxBuckets) return history;
  return { ...history, counts: history.counts.slice(history.counts.length - maxBuckets) };
}

/** Records `count` reservations at `atMs`. Reservations older than the history's span are dropped. */
export function recordReservations(history: ReservationHistory, atMs: number, count: number, maxBuckets: number): ReservationHistory {
  if (count <= 0) return history;
  const advanced = advanceHistory(history, atMs, maxBuckets);
  const end = bucketEndContaining(atMs, advanced.bucketSeconds);
  const age = Math.round((advanced.endMs - end) / (advanced.bucketSeconds * 1000));
  if (age >= maxBuckets) return advanced;
  const counts = advanced.counts.slice();
  // The history may be shorter than `age` buckets (a new pool): extend it backwards with zeros.
  while (counts.length <= age) counts.unshift(0);
  const index = counts.length - 1 - age;
  counts[index] = (counts[index] ?? 0) + count;
  return trimHistory({ ...advanced, counts }, maxBuckets);
}

export function totalReservations(history: ReservationHistory): number {
  return history.counts.reduce((sum, count) => sum + count, 0);
}

export function encodeHistory(history: ReservationHistory): ReservationHistoryStatus {
  return { bucketSeconds: history.bucketSeconds, endTime: new Date(history.endMs).toISOString(), counts: [...history.counts] };
}

/** Reads the history from status; anything malformed yields an empty history rather than an error. */
export function decodeHistory(status: ReservationHistoryStatus | undefined, nowMs: number): ReservationHistory {
  if (status === undefined) return emptyHistory(nowMs);
  const endMs = Date.parse(status.endTime);
  const valid =
    Number.isInteger(status.bucketSeconds) &&
    status.bucketSeconds > 0 &&
    Number.isFinite(endMs) &&
    endMs % (status.bucketSeconds * 1000) === 0 &&
    Array.isArray(status.counts) &&
    status.counts.every((count) => Number.isInteger(count) && count >= 0);
  if (!valid) return emptyHistory(nowMs);
  return { bucketSeconds: status.bucketSeconds, endMs, counts: status.counts.slice(-MAX_BUCKETS) };
}

/** Reservations in the buckets that end after `fromMs` and start before `toMs`. */
export function countBetween(history: ReservationHistory, fromMs: number, toMs: number): number {
  const bucketMs = history.bucketSeconds * 1000;
  let total = 0;
  for (let index = history.counts.length - 1; index >= 0; index -= 1) {
    const end = history.endMs - (history.counts.length - 1 - index) * bucketMs;
    if (end <= fromMs) break;
    if (end - bucketMs < toMs) total += history.counts[index] ?? 0;
  }
  return total;
}

/** The counts of the whole buckets that ended at or before `atMs`, oldest first, at most `buckets` of them. */
export function completedCounts(history: ReservationHistory, atMs: number, buckets: number): number[] {
  const bucketMs = history.bucketSeconds * 1000;
  const lastEnd = Math.floor(atMs / bucketMs) * bucketMs;
  const newest = history.counts.length - 1 - Math.round((history.endMs - lastEnd) / bucketMs);
  const counts: number[] = [];
  for (let index = Math.max(0, newest - buckets + 1); index <= newest && index < history.counts.length; index += 1)
    counts.push(history.counts[index] ?? 0);
  return counts;
}
