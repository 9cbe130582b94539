/**
 * How bursty the demand is: the index of dispersion (variance over mean) of the reservations per
 * history bucket. Poisson arrivals give 1 at any bucket width; arrivals in clumps (a class
 * starting together, a batch job fanning out) give about the mean clump size.
 *
 * The variance is taken from successive differences (von Neumann), which a steady ramp or one
 * step in the rate barely moves, so a trend is not mistaken for burstiness. Few reservations say
 * little about variance: the estimate is shrunk towards Poisson until the window holds enough of
 * them, and capped, so one freak bucket cannot make the pool huge.
 */
import { completedCounts, type ReservationHistory } from './reservation-history.js';

export const DISPERSION_WINDOW_SECONDS = 600;
export const MAX_DISPERSION = 8;
/** Reservations in the window at which the measured dispersion gets half its weight. */
const SHRINK_COUNT = 30;

export function dispersionAt(history: ReservationHistory, atMs: number): number {
  const counts = completedCounts(history, atMs, Math.round(DISPERSION_WINDOW_SECONDS / history.bucketSeconds));
  if (counts.length < 4) return 1;
  let total = 0;
  for (const count of counts) total += count;
  if (total === 0) return 1;
  let squaredSteps = 0;
  for (let i = 1; i < counts.length; i += 1) {
    const step = (counts[i] as number) - (counts[i - 1] as number);
    squaredSteps += step * step;
  }
  const mean = total / counts.length;
  const variance = squaredSteps / (2 * (counts.length - 1));
  const measured = Math.min(MAX_DISPERSION, variance / mean);
  if (measured <= 1) return 1;
  return 1 + (measured - 1) * (total / (total + SHRINK_COUNT));
}
