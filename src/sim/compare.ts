/**
 * One comparison: a scenario built from the trace and seed, every requested policy run through
 * it, reported against the oracle (always run, since every cost is stated relative to it), and
 * optionally each baseline swept over its knob.
 */
import type { PodPoolSpec } from '../api/schema.js';
import { PodpoolError } from '../errors.js';
import { describeDistribution, type Distribution } from './distribution.js';
import { policyNamed } from './policies/index.js';
import { policyReport, type PolicyReport } from './report.js';
import { buildScenario, type Scenario } from './scenario.js';
import { simulate, type Timeline } from './simulator.js';
import { sweepPolicy, type SweepResult } from './sweep.js';
import type { Trace } from './trace.js';

export interface ComparisonOptions {
  spec: PodPoolSpec;
  trace: Trace;
  startMs: number;
  warmup: Distribution;
  session: Distribution;
  seed: number;
  policies: readonly string[];
  pollSeconds?: number | undefined;
  sweep?: boolean | undefined;
}

export interface Comparison {
  settings: {
    start: string;
    minutes: number;
    seed: number;
    warmup: string;
    session: string;
    pollSeconds: number;
  };
  policies: PolicyReport[];
  sweep?: SweepResult[] | undefined;
}

export interface ComparisonRun {
  comparison: Comparison;
  scenario: Scenario;
  timelines: Map<string, Timeline>;
}

export function runComparison(options: ComparisonOptions): ComparisonRun {
  if (options.policies.length === 0) throw new PodpoolError('InvalidArgument', 'name at least one policy');
  const definitions = [...new Set(options.policies)].map(policyNamed);
  const scenario = buildScenario(options);
  const { spec } = options;

  const oracle = simulate(policyNamed('oracle').create({ spec, scenario }), scenario);
  const timelines = new Map<string, Timeline>();
  const reports = definitions.map((definition) => {
    const outcome = definition.name === 'oracle' ? oracle : simulate(definition.create({ spec, scenario }), scenario);
    timelines.set(definition.name, outcome.timeline);
    const knob = definition.knob === undefined ? undefined : { name: definition.knob.name, value: definition.knob.defaultValue(spec) };
    return policyReport(definition.name, outcome, oracle.unreservedPodMs, knob);
  });

  let sweep: SweepResult[] | undefined;
  if (options.sweep === true) {
    const podpool = reports.find((report) => report.policy === 'podpool');
    sweep = definitions.flatMap((definition) => {
      const result = sweepPolicy(
        definition,
        spec,
        (knob) => policyReport(definition.name, simulate(definition.create({ spec, scenario, knob }), scenario), oracle.unreservedPodMs),
        podpool,
      );
      return result === undefined ? [] : [result];
    });
  }

  const comparison: Comparison = {
    settings: {
      start: new Date(options.startMs).toISOString(),
      minutes: scenario.minutes,
      seed: options.seed,
      warmup: describeDistribution(options.warmup),
      session: describeDistribution(options.session),
      pollSeconds: scenario.pollIntervalMs / 1000,
    },
    policies: reports,
    sweep,
  };
  return { comparison, scenario, timelines };
}

/** Reservations per minute of the trace, as the scenario drew them. */
export function demandPerMinute(scenario: Scenario): Uint32Array {
  const counts = new Uint32Array(scenario.minutes);
  for (const atMs of scenario.arrivalsMs) {
    const minute = Math.floor((atMs - scenario.startMs) / 60_000);
    if (minute >= 0 && minute < counts.length) counts[minute] = (counts[minute] ?? 0) + 1;
  }
  return counts;
}
