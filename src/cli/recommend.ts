import { parsePodPool } from '../api/parse.js';
import type { ReservationHistoryStatus } from '../api/schema.js';
import { PodpoolError } from '../errors.js';
import { maxHistoryBuckets, observationsFromStatus } from '../scaling/pool-recommendation.js';
import { recommend } from '../scaling/recommend.js';
import {
  advanceHistory,
  DEFAULT_BUCKET_SECONDS,
  decodeHistory,
  emptyHistory,
  recordReservations,
  type ReservationHistory,
} from '../scaling/reservation-history.js';
import { readDocument } from './files.js';
import { parseCommand } from './args.js';

const HELP = `usage: podpool recommend --pool FILE [--at ISO-TIME] [--history FILE] [--observed-warmup SECONDS]

Prints the scaling engine's decision for the pool as JSON, with the reason.
  --pool FILE             a PodPool manifest (YAML or JSON); its status.reservationHistory is used if present
  --at ISO-TIME           the moment to decide for (default: now)
  --history FILE          reservations: a JSON/YAML list of ISO times, or a status.reservationHistory object
  --observed-warmup SECS  warm-up time observed so far (used when spec.warmupSeconds is unset)`;

function parseInstant(value: string, what: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new PodpoolError('InvalidArgument', `${what}: ${JSON.stringify(value)} is not an ISO-8601 time`);
  return ms;
}

function historyFrom(document: unknown, nowMs: number, maxBuckets: number): ReservationHistory {
  if (Array.isArray(document)) {
    let history = emptyHistory(nowMs, DEFAULT_BUCKET_SECONDS);
    for (const entry of document) {
      const at = typeof entry === 'number' ? entry * 1000 : parseInstant(String(entry), '--history');
      if (at <= nowMs) history = recordReservations(history, at, 1, maxBuckets);
    }
    return advanceHistory(history, nowMs, maxBuckets);
  }
  if (typeof document === 'object' && document !== null && 'counts' in document) {
    return advanceHistory(decodeHistory(document as ReservationHistoryStatus, nowMs), nowMs, maxBuckets);
  }
  throw new PodpoolError('InvalidArgument', '--history must hold a list of reservation times or a reservationHistory object');
}

export async function recommendCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, HELP, {
    pool: { type: 'string' },
    at: { type: 'string' },
    history: { type: 'string' },
    'observed-warmup': { type: 'string' },
  });
  if (parsed === undefined) return 0;
  const { values } = parsed;
  if (values.pool === undefined) throw new PodpoolError('InvalidArgument', `--pool is required\n\n${HELP}`);
  const pool = parsePodPool(await readDocument(values.pool));
  const nowMs = values.at === undefined ? Date.now() : parseInstant(values.at, '--at');
  // What the operator would decide from this status; the flags replace one observation each.
  const observations = observationsFromStatus(pool.spec, pool.status, nowMs);
  if (values.history !== undefined)
    observations.history = historyFrom(await readDocument(values.history), nowMs, maxHistoryBuckets(pool.spec));
  if (values['observed-warmup'] !== undefined) {
    const seconds = Number(values['observed-warmup']);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new PodpoolError('InvalidArgument', '--observed-warmup must be a positive number of seconds');
    observations.observedWarmupSeconds = seconds;
    observations.warmupSamples = undefined;
  }
  const recommendation = recommend(pool.spec, observations, nowMs);
  console.log(JSON.stringify({ pool: pool.metadata.name, at: new Date(nowMs).toISOString(), ...recommendation }, null, 2));
  return 0;
}
