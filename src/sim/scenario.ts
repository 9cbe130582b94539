/**
 * Everything chance decides in a run, drawn once from the seed and shared by every policy
 * (common random numbers): the arrival instants, each reservation's session length, and the
 * warm-up of the n-th pod any policy creates. Policies then differ only by their decisions.
 */
import { sampleSeconds, type Distribution } from './distribution.js';
import { createRandom, streamSeed, type Random } from './random.js';
import { arrivalSeconds, traceMinutes, type Trace } from './trace.js';

export const DEFAULT_START = '2026-01-05T00:00:00Z';
export const DEFAULT_POLL_SECONDS = 15;
export const DEFAULT_WARMUP = '60-120';
/** A 20-minute median session with a long tail (p95 one hour). */
export const DEFAULT_SESSION = 'lognormal:20m,1h';
/** Pools run this long before the trace starts, so each policy meets the first arrival in its steady state. */
export const PRE_ROLL_SECONDS = 600;

export interface Scenario {
  /** Wall-clock epoch ms of the trace's offset 0. */
  startMs: number;
  /** The trace's length in whole minutes. */
  minutes: number;
  /** Reservation arrivals, epoch ms, ascending. */
  arrivalsMs: Float64Array;
  /** Session length of each reservation, ms. */
  sessionsMs: Float64Array;
  pollIntervalMs: number;
  preRollMs: number;
  /** Warm-up of the index-th pod a run creates, ms; the same index gives the same draw in every run. */
  warmupMs(index: number): number;
}

export interface ScenarioOptions {
  trace: Trace;
  startMs: number;
  warmup: Distribution;
  session: Distribution;
  seed: number;
  pollSeconds?: number;
}

function lazyDraws(distribution: Distribution, random: Random): (index: number) => number {
  const draws: number[] = [];
  return (index) => {
    while (draws.length <= index) draws.push(Math.round(sampleSeconds(distribution, random) * 1000));
    return draws[index] as number;
  };
}

export function buildScenario(options: ScenarioOptions): Scenario {
  const arrivals = arrivalSeconds(options.trace, createRandom(streamSeed(options.seed, 'arrivals')));
  const sessions = createRandom(streamSeed(options.seed, 'sessions'));
  return {
    startMs: options.startMs,
    minutes: traceMinutes(options.trace),
    arrivalsMs: Float64Array.from(arrivals, (seconds) => options.startMs + Math.round(seconds * 1000)),
    sessionsMs: Float64Array.from(arrivals, () => Math.round(sampleSeconds(options.session, sessions) * 1000)),
    pollIntervalMs: (options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000,
    preRollMs: PRE_ROLL_SECONDS * 1000,
    warmupMs: lazyDraws(options.warmup, createRandom(streamSeed(options.seed, 'warmups'))),
  };
}
