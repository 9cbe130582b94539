import { writeFile } from 'node:fs/promises';
import { PodpoolError } from '../errors.js';
import { formatPerMinuteTrace } from '../sim/trace.js';
import { DEFAULT_PEAK_PER_MINUTE, generateTrace, isTraceShape, TRACE_SHAPES } from '../sim/trace-shapes.js';
import { isValidTimeZone } from '../api/time-zone.js';
import { parseCommand } from './args.js';

const HELP = `usage: podpool trace --shape ${TRACE_SHAPES.join('|')} [--days N] [--seed S] [--peak R] [--out FILE]

Generates a per-minute demand trace ("minute,count" CSV) for podpool simulate. Minute 0 is
Monday 00:00 UTC, the simulator's default --start.
  diurnal  working days rise from 0.2/min at night to the peak at 13:00 UTC; weekends at 30%  (peak ${DEFAULT_PEAK_PER_MINUTE.diurnal}/min)
  spike    1/min, and once a day at a random working-hours minute a jump to the peak that
           halves every 10 minutes                                                       (peak ${DEFAULT_PEAK_PER_MINUTE.spike}/min)
  ramp     rises linearly from 0.5/min to the peak over the whole trace                  (peak ${DEFAULT_PEAK_PER_MINUTE.ramp}/min)
  flat     a steady rate                                                                  (peak ${DEFAULT_PEAK_PER_MINUTE.flat}/min)
  flash    0.3/min, and once a day at a random night minute (00:00-06:00 UTC) a flash
           crowd that halves every 6 minutes                                             (peak ${DEFAULT_PEAK_PER_MINUTE.flash}/min)
  bursts   a steady base plus clumps within one minute, 1.5 an hour, of heavy-tailed
           (Pareto 1.3) size from 4 to 150                                                (base ${DEFAULT_PEAK_PER_MINUTE.bursts}/min)
  double-peak  peaks at 10:00 and 15:00 local time in --zone, daylight saving followed,
           quiet nights and weekends; minute 0 is --start                                 (peak ${DEFAULT_PEAK_PER_MINUTE['double-peak']}/min)
Each minute's count is a Poisson draw around the shape's rate.
  --days N     length in days (default 1)
  --seed S     seed (default 1); the same options give the same file
  --peak R     the shape's highest rate, reservations per minute
  --zone TZ    double-peak: the IANA zone its peaks follow (default America/New_York)
  --start ISO  double-peak: the wall-clock time of minute 0 (default 2026-03-02T00:00:00Z)
  --out FILE   write to FILE instead of standard output`;

export async function traceCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, HELP, {
    shape: { type: 'string' },
    days: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    peak: { type: 'string' },
    zone: { type: 'string' },
    start: { type: 'string' },
    out: { type: 'string' },
  });
  if (parsed === undefined) return 0;
  const { values } = parsed;
  if (values.shape === undefined || !isTraceShape(values.shape)) {
    throw new PodpoolError('InvalidArgument', `--shape must be one of ${TRACE_SHAPES.join(', ')} (see podpool trace --help)`);
  }
  const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : Number.NaN;
  if (!Number.isSafeInteger(seed) || seed > 0xffffffff)
    throw new PodpoolError('InvalidArgument', '--seed must be a whole number from 0 to 4294967295');
  const days = /^\d+$/.test(values.days) ? Number(values.days) : Number.NaN;
  const peakPerMinute = values.peak === undefined ? undefined : Number(values.peak);
  const startMs = values.start === undefined ? undefined : Date.parse(values.start);
  if (startMs !== undefined && !Number.isFinite(startMs))
    throw new PodpoolError('InvalidArgument', `--start: ${JSON.stringify(values.start)} is not an ISO-8601 time`);
  if (values.zone !== undefined && !isValidTimeZone(values.zone))
    throw new PodpoolError('InvalidArgument', `--zone: ${JSON.stringify(values.zone)} is not a known IANA time zone`);
  const csv = formatPerMinuteTrace(generateTrace({ shape: values.shape, days, seed, peakPerMinute, timeZone: values.zone, startMs }));
  if (values.out === undefined) process.stdout.write(csv);
  else await writeFile(values.out, csv);
  return 0;
}
