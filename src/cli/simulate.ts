import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parsePodPool } from '../api/parse.js';
import { errorMessage, PodpoolError } from '../errors.js';
import { renderChart } from '../sim/chart.js';
import { loadPngRenderer, PNG_RENDERER, svgToPng } from '../sim/chart-png.js';
import { demandPerMinute, runComparison } from '../sim/compare.js';
import { parseDistribution } from '../sim/distribution.js';
import { POLICY_NAMES } from '../sim/policies/index.js';
import { formatTable } from '../sim/report.js';
import { DEFAULT_POLL_SECONDS, DEFAULT_SESSION, DEFAULT_START, DEFAULT_WARMUP } from '../sim/scenario.js';
import { describeCurve, describeSweep } from '../sim/sweep.js';
import { renderTradeoffChart } from '../sim/tradeoff-chart.js';
import { parseTrace } from '../sim/trace.js';
import { readDocument } from './files.js';
import { parseCommand } from './args.js';

const HELP = `usage: podpool simulate --pool FILE --trace FILE [options]

Replays a demand trace against the scaling engine and the policies a user would otherwise pick,
and reports cold reservations against idle pod time. Deterministic for a given --seed.

  --pool FILE        a PodPool manifest (YAML or JSON); the podpool policy runs its spec with the
                     engine's own recommendation (spec.replicas, set by KEDA, is ignored)
  --trace FILE       demand: CSV with header "minute,count" or "seconds" (see podpool trace)
  --start ISO        wall-clock time of the trace's first minute (default ${DEFAULT_START}, a Monday)
  --warmup D         pod warm-up: 90 (fixed), 60-120 (uniform) or lognormal:MEDIAN,P95; units s, m, h
                     (default ${DEFAULT_WARMUP})
  --session D        session length, same forms (default ${DEFAULT_SESSION})
  --policies LIST    comma-separated from ${POLICY_NAMES.join(',')} (default: all)
  --poll SECONDS     how often a policy is asked for its warm count (default ${DEFAULT_POLL_SECONDS})
  --seed N           seed of every random draw (default 1)
  --sweep            also run podpool over availability targets and each baseline over a range of
                     its main knob, and compare them at podpool's cold rate and cost
  --sweep-chart FILE.svg
                     with --sweep: write the cold-rate / idle-cost curve of every policy
  --json             print the report as JSON instead of a table
  --chart FILE.svg|FILE.png
                     write a chart of demand and each policy's ready and warming pods; PNG is
                     rendered by the optional dependency ${PNG_RENDERER}`;

function wholeNumber(value: string, what: string, minimum: number, maximum: number): number {
  const parsed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < minimum || parsed > maximum) {
    throw new PodpoolError('InvalidArgument', `${what} must be a whole number from ${minimum} to ${maximum}`);
  }
  return parsed;
}

/** The chart's format, from its file name: a bad name fails before the simulation runs. */
export function chartFormat(path: string): 'svg' | 'png' {
  const extension = extname(path).toLowerCase();
  if (extension === '.svg') return 'svg';
  if (extension === '.png') return 'png';
  throw new PodpoolError(
    'InvalidArgument',
    `--chart: ${JSON.stringify(path)} must end in .svg or .png (PNG needs the optional dependency ${PNG_RENDERER})`,
  );
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new PodpoolError('InvalidArgument', `cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

export async function simulateCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, HELP, {
    pool: { type: 'string' },
    trace: { type: 'string' },
    start: { type: 'string', default: DEFAULT_START },
    warmup: { type: 'string', default: DEFAULT_WARMUP },
    session: { type: 'string', default: DEFAULT_SESSION },
    policies: { type: 'string', default: POLICY_NAMES.join(',') },
    poll: { type: 'string', default: String(DEFAULT_POLL_SECONDS) },
    seed: { type: 'string', default: '1' },
    sweep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    chart: { type: 'string' },
    'sweep-chart': { type: 'string' },
  });
  if (parsed === undefined) return 0;
  const { values } = parsed;
  if (values.pool === undefined || values.trace === undefined)
    throw new PodpoolError('InvalidArgument', '--pool and --trace are required (see podpool simulate --help)');
  const chart = values.chart === undefined ? undefined : { path: values.chart, format: chartFormat(values.chart) };
  if (chart?.format === 'png') await loadPngRenderer(); // a missing renderer fails before the run, too
  const startMs = Date.parse(values.start);
  if (!Number.isFinite(startMs))
    throw new PodpoolError('InvalidArgument', `--start: ${JSON.stringify(values.start)} is not an ISO-8601 time`);

  const pool = parsePodPool(await readDocument(values.pool));
  const trace = parseTrace(await readText(values.trace), values.trace);
  const policies = values.policies
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const { comparison, scenario, timelines } = runComparison({
    spec: pool.spec,
    trace,
    startMs,
    warmup: parseDistribution(values.warmup, '--warmup'),
    session: parseDistribution(values.session, '--session'),
    seed: wholeNumber(values.seed, '--seed', 0, 0xffffffff),
    policies,
    pollSeconds: wholeNumber(values.poll, '--poll', 1, 3600),
    sweep: values.sweep,
  });

  if (chart !== undefined) {
    const svg = renderChart({
      startMs,
      timeZone: pool.spec.timeZone,
      demandPerMinute: demandPerMinute(scenario),
      policies: comparison.policies.flatMap((report) => {
        const timeline = timelines.get(report.policy);
        return timeline === undefined ? [] : [{ report, timeline }];
      }),
      title: `podpool simulate: pool ${pool.metadata.name ?? ''}, trace ${values.trace}, seed ${comparison.settings.seed}`,
    });
    await writeFile(chart.path, chart.format === 'png' ? await svgToPng(svg) : svg);
  }

  const sweepChart = values['sweep-chart'];
  if (sweepChart !== undefined) {
    if (comparison.sweep === undefined) throw new PodpoolError('InvalidArgument', '--sweep-chart needs --sweep');
    await writeFile(
      sweepChart,
      renderTradeoffChart(comparison.sweep, `cold rate vs idle cost: pool ${pool.metadata.name ?? ''}, trace ${values.trace}`),
    );
  }

  if (values.json) {
    console.log(JSON.stringify({ pool: pool.metadata.name, trace: values.trace, ...comparison }, null, 2));
    return 0;
  }
  const { settings } = comparison;
  console.log(
    `pool ${pool.metadata.name ?? ''}, trace ${values.trace} (${settings.minutes} min from ${settings.start}), ` +
      `warm-up ${settings.warmup}, session ${settings.session}, poll ${settings.pollSeconds}s, seed ${settings.seed}\n`,
  );
  console.log(formatTable(comparison.policies));
  const podpool = comparison.policies.find((report) => report.policy === 'podpool');
  if (comparison.sweep !== undefined && comparison.sweep.length > 0) {
    console.log('');
    for (const result of comparison.sweep) {
      if (result.policy === 'podpool') console.log(describeCurve(result));
      else
        console.log(
          podpool === undefined
            ? `${result.policy}: ${result.points.length} knob values run (add podpool to compare)`
            : describeSweep(result, podpool),
        );
    }
  }
  if (chart !== undefined) console.log(`\nchart written to ${chart.path}`);
  if (sweepChart !== undefined) console.log(`trade-off chart written to ${sweepChart}`);
  return 0;
}
