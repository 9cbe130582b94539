/**
 * Durations the simulator draws (pod warm-ups, session lengths), written the way a person says
 * them: `90` or `90s` (fixed), `60-120` (uniform), `lognormal:20m,1h` (lognormal by median and
 * p95). Units: s (default), m, h.
 */
import { PodpoolError } from '../errors.js';
import { standardNormal, type Random } from './random.js';

export type Distribution =
  | { kind: 'fixed'; seconds: number }
  | { kind: 'uniform'; minSeconds: number; maxSeconds: number }
  | { kind: 'lognormal'; medianSeconds: number; p95Seconds: number };

/** The standard normal's 95th percentile: p95 = median * exp(sigma * Z95). */
const Z95 = 1.6448536269514722;
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

export function parseSeconds(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/i.exec(text);
  const unit = UNIT_SECONDS[(match?.[2] ?? '').toLowerCase()];
  if (match === null || unit === undefined) {
    throw new PodpoolError('InvalidArgument', `${what}: ${JSON.stringify(text)} is not a duration (e.g. 90, 90s, 2m, 1.5h)`);
  }
  return Number(match[1]) * unit;
}

export function parseDistribution(text: string, what: string): Distribution {
  const trimmed = text.trim();
  let distribution: Distribution;
  if (/^lognormal:/i.test(trimmed)) {
    const parts = trimmed.slice('lognormal:'.length).split(',');
    if (parts.length !== 2)
      throw new PodpoolError('InvalidArgument', `${what}: write a lognormal as lognormal:MEDIAN,P95 (e.g. lognormal:20m,1h)`);
    distribution = { kind: 'lognormal', medianSeconds: parseSeconds(parts[0] ?? '', what), p95Seconds: parseSeconds(parts[1] ?? '', what) };
    if (distribution.p95Seconds <= distribution.medianSeconds) {
      throw new PodpoolError('InvalidArgument', `${what}: a lognormal's p95 must be greater than its median`);
    }
  } else if (trimmed.includes('-')) {
    const [low = '', high = '', ...rest] = trimmed.split('-');
    if (rest.length > 0) throw new PodpoolError('InvalidArgument', `${what}: write a uniform range as MIN-MAX (e.g. 60-120)`);
    distribution = { kind: 'uniform', minSeconds: parseSeconds(low, what), maxSeconds: parseSeconds(high, what) };
    if (distribution.maxSeconds < distribution.minSeconds)
      throw new PodpoolError('InvalidArgument', `${what}: the range ${trimmed} runs backwards`);
  } else {
    distribution = { kind: 'fixed', seconds: parseSeconds(trimmed, what) };
  }
  if (smallestSeconds(distribution) <= 0) throw new PodpoolError('InvalidArgument', `${what}: durations must be greater than zero`);
  return distribution;
}

function smallestSeconds(distribution: Distribution): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.seconds;
    case 'uniform':
      return distribution.minSeconds;
    case 'lognormal':
      return distribution.medianSeconds;
  }
}

export function sampleSeconds(distribution: Distribution, random: Random): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.seconds;
    case 'uniform':
      return distribution.minSeconds + (distribution.maxSeconds - distribution.minSeconds) * random.next();
    case 'lognormal': {
      const sigma = Math.log(distribution.p95Seconds / distribution.medianSeconds) / Z95;
      return distribution.medianSeconds * Math.exp(sigma * standardNormal(random));
    }
  }
}

export function describeDistribution(distribution: Distribution): string {
  switch (distribution.kind) {
    case 'fixed':
      return `${distribution.seconds}s`;
    case 'uniform':
      return `uniform ${distribution.minSeconds}-${distribution.maxSeconds}s`;
    case 'lognormal':
      return `lognormal median ${distribution.medianSeconds}s, p95 ${distribution.p95Seconds}s`;
  }
}
