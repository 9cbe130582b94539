import { parseDistribution } from '../../../src/sim/distribution.js';
import { buildScenario, type Scenario } from '../../../src/sim/scenario.js';
import { parseTrace } from '../../../src/sim/trace.js';

export const START = Date.parse('2026-01-05T00:00:00Z'); // a Monday

/** A scenario from a `seconds` trace: the arrivals land exactly where written. */
export function secondsScenario(
  arrivalSeconds: readonly number[],
  options: { warmup?: string; session?: string; seed?: number } = {},
): Scenario {
  return buildScenario({
    trace: parseTrace(`seconds\n${arrivalSeconds.join('\n')}\n`),
    startMs: START,
    warmup: parseDistribution(options.warmup ?? '60', 'warmup'),
    session: parseDistribution(options.session ?? '600', 'session'),
    seed: options.seed ?? 1,
  });
}
