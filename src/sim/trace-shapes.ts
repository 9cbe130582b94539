/**
 * Synthetic demand for trying a pool before real traffic exists. Each shape is a rate of
 * reservations per minute; each minute's count is a Poisson draw around it. Minute 0 is taken to
 * be Monday 00:00 UTC (the simulator's default start), so weekday shapes line up with pool windows.
 */
import { PodpoolError } from '../errors.js';
import { createRandom, poisson, streamSeed, type Random } from './random.js';

export const TRACE_SHAPES = ['diurnal', 'spike', 'ramp', 'flat'] as const;
export type TraceShape = (typeof TRACE_SHAPES)[number];

export const DEFAULT_PEAK_PER_MINUTE: Record<TraceShape, number> = { diurnal: 6, spike: 30, ramp: 12, flat: 3 };

const MINUTES_PER_DAY = 24 * 60;
const NIGHT_RATE = 0.2;
const WEEKEND_FACTOR = 0.3;
const SPIKE_BASE_RATE = 1;
const SPIKE_HALF_LIFE_MINUTES = 10;
const SPIKE_EARLIEST_MINUTE = 9 * 60;
const SPIKE_LATEST_MINUTE = 18 * 60;
const RAMP_START_RATE = 0.5;

export interface TraceShapeOptions {
  shape: TraceShape;
  days: number;
  seed: number;
  /** Highest rate of the shape, reservations per minute; default per shape. */
  peakPerMinute?: number | undefined;
}

export function isTraceShape(value: string): value is TraceShape {
  return (TRACE_SHAPES as readonly string[]).includes(value);
}

/** Working days rise from a night floor to the peak at 13:00 UTC and fall back by 20:00; weekends are quieter. */
function diurnalRate(minute: number, peak: number): number {
  const day = Math.floor(minute / MINUTES_PER_DAY) % 7;
  const hour = (minute % MINUTES_PER_DAY) / 60;
  const daytime = hour >= 6 && hour <= 20 ? Math.sin((Math.PI * (hour - 6)) / 14) ** 2 : 0;
  const rate = NIGHT_RATE + (peak - NIGHT_RATE) * daytime;
  return day >= 5 ? rate * WEEKEND_FACTOR : rate;
}

/** A steady trickle, and once a day (at a seeded minute of working hours) a jump to the peak that halves every 10 minutes. */
function spikeRates(days: number, peak: number, random: Random): number[] {
  const rates = new Array<number>(days * MINUTES_PER_DAY).fill(SPIKE_BASE_RATE);
  for (let day = 0; day < days; day += 1) {
    const start = day * MINUTES_PER_DAY + SPIKE_EARLIEST_MINUTE + Math.floor(random.next() * (SPIKE_LATEST_MINUTE - SPIKE_EARLIEST_MINUTE));
    for (let minute = start; minute < rates.length; minute += 1) {
      const extra = (peak - SPIKE_BASE_RATE) * 0.5 ** ((minute - start) / SPIKE_HALF_LIFE_MINUTES);
      if (extra < 0.01) break;
      rates[minute] = (rates[minute] ?? 0) + extra;
    }
  }
  return rates;
}

export function shapeRates(options: TraceShapeOptions, random: Random): number[] {
  const { shape, days } = options;
  const peak = options.peakPerMinute ?? DEFAULT_PEAK_PER_MINUTE[shape];
  const minutes = days * MINUTES_PER_DAY;
  switch (shape) {
    case 'diurnal':
      return Array.from({ length: minutes }, (_, minute) => diurnalRate(minute, peak));
    case 'spike':
      return spikeRates(days, peak, random);
    case 'ramp':
      return Array.from({ length: minutes }, (_, minute) => RAMP_START_RATE + ((peak - RAMP_START_RATE) * minute) / Math.max(1, minutes - 1));
    case 'flat':
      return new Array<number>(minutes).fill(peak);
  }
}

/** Per-minute reservation counts for the shape, the same for the same options. */
export function generateTrace(options: TraceShapeOptions): number[] {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 366) {
    throw new PodpoolError('InvalidArgument', '--days must be a whole number from 1 to 366');
  }
  if (options.peakPerMinute !== undefined && !(options.peakPerMinute > 0)) {
    throw new PodpoolError('InvalidArgument', '--peak must be a positive number of reservations per minute');
  }
  const rates = shapeRates(options, createRandom(streamSeed(options.seed, 'trace-shape')));
  const counts = createRandom(streamSeed(options.seed, 'trace-counts'));
  return rates.map((rate) => poisson(counts, rate));
}
