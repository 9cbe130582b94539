/**
 * Demand traces: when reservations arrive. Two CSV shapes are read:
 *   minute,count   per-minute counts (the shape of public serverless traces); the arrivals of a
 *                  minute are spread over it by a seeded uniform draw, which is how a Poisson
 *                  process looks once its count is known
 *   seconds        one arrival per line, seconds from the start
 * Blank lines and lines starting with # are ignored.
 */
import { PodpoolError } from '../errors.js';
import type { Random } from './random.js';

export type Trace = { format: 'per-minute'; counts: number[] } | { format: 'arrivals'; seconds: number[] };

/** A typo must not allocate a century of minutes: traces are capped at a leap year. */
export const MAX_TRACE_MINUTES = 366 * 24 * 60;

function invalid(source: string, line: number, message: string): PodpoolError {
  return new PodpoolError('InvalidArgument', `${source}:${line}: ${message}`);
}

export function parseTrace(text: string, source = 'trace'): Trace {
  const rows: Array<{ line: number; fields: string[] }> = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const content = raw.trim();
      if (content !== '' && !content.startsWith('#')) rows.push({ line: index + 1, fields: content.split(',').map((f) => f.trim()) });
    });
  const [header, ...data] = rows;
  if (header === undefined) throw new PodpoolError('InvalidArgument', `${source}: empty trace`);
  const columns = header.fields.map((field) => field.toLowerCase()).join(',');
  if (columns === 'minute,count') return parsePerMinute(data, source);
  if (columns === 'seconds') return parseArrivals(data, source);
  throw invalid(source, header.line, `expected the header "minute,count" or "seconds", got ${JSON.stringify(header.fields.join(','))}`);
}

function wholeNumber(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function parsePerMinute(rows: ReadonlyArray<{ line: number; fields: string[] }>, source: string): Trace {
  const byMinute = new Map<number, number>();
  let minutes = 0;
  for (const { line, fields } of rows) {
    const minute = wholeNumber(fields[0] ?? '');
    const count = wholeNumber(fields[1] ?? '');
    if (fields.length !== 2 || minute === undefined || count === undefined) {
      throw invalid(source, line, 'expected "minute,count" with whole numbers >= 0');
    }
    if (minute >= MAX_TRACE_MINUTES) throw invalid(source, line, `minute ${minute} is past the ${MAX_TRACE_MINUTES}-minute limit`);
    if (byMinute.has(minute)) throw invalid(source, line, `minute ${minute} appears twice`);
    byMinute.set(minute, count);
    minutes = Math.max(minutes, minute + 1);
  }
  const counts = new Array<number>(minutes).fill(0);
  for (const [minute, count] of byMinute) counts[minute] = count;
  return { format: 'per-minute', counts };
}

function parseArrivals(rows: ReadonlyArray<{ line: number; fields: string[] }>, source: string): Trace {
  const seconds = rows.map(({ line, fields }) => {
    const value = fields.length === 1 && /^\d+(\.\d+)?$/.test(fields[0] ?? '') ? Number(fields[0]) : Number.NaN;
    if (!Number.isFinite(value)) throw invalid(source, line, 'expected seconds from the start, a number >= 0');
    if (value >= MAX_TRACE_MINUTES * 60) throw invalid(source, line, `${value}s is past the ${MAX_TRACE_MINUTES}-minute limit`);
    return value;
  });
  return { format: 'arrivals', seconds: seconds.sort((a, b) => a - b) };
}

/** The trace's length: whole minutes, covering its last arrival. */
export function traceMinutes(trace: Trace): number {
  if (trace.format === 'per-minute') return trace.counts.length;
  const last = trace.seconds[trace.seconds.length - 1];
  return last === undefined ? 0 : Math.floor(last / 60) + 1;
}

/** Arrival times in seconds from the start, ascending. */
export function arrivalSeconds(trace: Trace, random: Random): number[] {
  if (trace.format === 'arrivals') return trace.seconds.slice();
  const arrivals: number[] = [];
  trace.counts.forEach((count, minute) => {
    const within: number[] = [];
    for (let i = 0; i < count; i += 1) within.push(random.next() * 60);
    within.sort((a, b) => a - b);
    for (const offset of within) arrivals.push(minute * 60 + offset);
  });
  return arrivals;
}

export function formatPerMinuteTrace(counts: readonly number[]): string {
  return `minute,count\n${counts.map((count, minute) => `${minute},${count}`).join('\n')}\n`;
}
