/**
 * Synthetic demand for trying a pool before real traffic exists. Each shape is a rate of
 * reservations per minute; each minute's count is a Poisson draw around it. Minute 0 is taken to
 * be Monday 00:00 UTC (the simulator's default start), so weekday shapes line up with pool windows.
 */
import { PodpoolError } from '../errors.js';
import { quarterHourOfWeek } from '../scaling/local-time.js';
import { createRandom, poisson, streamSeed, type Random } from './random.js';

export const TRACE_SHAPES = ['diurnal', 'spike', 'ramp', 'flat', 'flash', 'bursts', 'double-peak'] as const;
export type TraceShape = (typeof TRACE_SHAPES)[number];

export const DEFAULT_PEAK_PER_MINUTE: Record<TraceShape, number> = {
  diurnal: 6,
  spike: 30,
  ramp: 12,
  flat: 3,
  flash: 40,
  bursts: 1,
  'double-peak': 8,
};

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
  /** double-peak: the zone its peaks follow (default America/New_York) and the epoch ms of minute 0. */
  timeZone?: string | undefined;
  startMs?: number | undefined;
}

const FLASH_BASE_RATE = 0.3;
const FLASH_HALF_LIFE_MINUTES = 6;
const BURSTS_PER_HOUR = 1.5;
const BURST_PARETO_SHAPE = 1.3;
const BURST_MIN_SIZE = 4;
const BURST_MAX_SIZE = 150;
const DEFAULT_DOUBLE_PEAK_ZONE = 'America/New_York';
const DEFAULT_DOUBLE_PEAK_START = Date.parse('2026-03-02T00:00:00Z');

/** A quiet pool and, once a day at a seeded night minute (00:00-06:00 UTC, outside any working-hours window), a flash crowd that halves every 6 minutes. */
function flashRates(days: number, peak: number, random: Random): number[] {
  const rates = new Array<number>(days * MINUTES_PER_DAY).fill(FLASH_BASE_RATE);
  for (let day = 0; day < days; day += 1) {
    const start = day * MINUTES_PER_DAY + Math.floor(random.next() * 6 * 60);
    for (let minute = start; minute < rates.length; minute += 1) {
      const extra = peak * 0.5 ** ((minute - start) / FLASH_HALF_LIFE_MINUTES);
      if (extra < 0.01) break;
      rates[minute] = (rates[minute] ?? 0) + extra;
    }
  }
  return rates;
}

/**
 * Heavy-tailed bursts: a steady base and, at random instants (Poisson, 1.5 an hour), a clump of
 * Pareto-distributed size (shape 1.3, at least 4, capped at 150) within one minute, like a class
 * or a batch job starting together. Returned as counts: a clump is not a rate to draw from.
 */
function burstCounts(days: number, base: number, random: Random): number[] {
  const minutes = days * MINUTES_PER_DAY;
  const counts = Array.from({ length: minutes }, () => poisson(random, base));
  for (let minute = 0; minute < minutes; minute += 1) {
    if (random.next() >= BURSTS_PER_HOUR / 60) continue;
    const size = Math.min(BURST_MAX_SIZE, Math.floor(BURST_MIN_SIZE / (1 - random.next()) ** (1 / BURST_PARETO_SHAPE)));
    counts[minute] = (counts[minute] ?? 0) + size;
  }
  return counts;
}

/** Two peaks a working day, at 10:00 and 15:00 local time in the zone (daylight saving followed), quiet nights and weekends. */
function doublePeakRate(epochMs: number, timeZone: string, peak: number): number {
  const quarter = quarterHourOfWeek(epochMs, timeZone);
  const day = Math.floor(quarter / 96);
  const hour = (quarter % 96) / 4;
  const bump = (center: number, width: number) => Math.exp(-(((hour - center) / width) ** 2));
  const rate = 0.2 + (peak - 0.2) * Math.max(bump(10, 1.2), 0.8 * bump(15, 1.5));
  return day >= 5 ? 0.2 + (rate - 0.2) * WEEKEND_FACTOR : rate;
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
      return Array.from(
        { length: minutes },
        (_, minute) => RAMP_START_RATE + ((peak - RAMP_START_RATE) * minute) / Math.max(1, minutes - 1),
      );
    case 'flat':
      return new Array<number>(minutes).fill(peak);
    case 'flash':
      return flashRates(days, peak, random);
    case 'bursts':
      return new Array<number>(minutes).fill(peak);
    case 'double-peak': {
      const startMs = options.startMs ?? DEFAULT_DOUBLE_PEAK_START;
      const timeZone = options.timeZone ?? DEFAULT_DOUBLE_PEAK_ZONE;
      return Array.from({ length: minutes }, (_, minute) => doublePeakRate(startMs + minute * 60_000, timeZone, peak));
    }
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
  const counts = createRandom(streamSeed(options.seed, 'trace-counts'));
  if (options.shape === 'bursts') return burstCounts(options.days, options.peakPerMinute ?? DEFAULT_PEAK_PER_MINUTE.bursts, counts);
  const rates = shapeRates(options, createRandom(streamSeed(options.seed, 'trace-shape')));
  return rates.map((rate) => poisson(counts, rate));
}
