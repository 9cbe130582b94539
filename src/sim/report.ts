/** Turns a run's outcome into the figures a person compares policies by, as JSON and as a table. */
import type { Outcome } from './simulator.js';

export interface PolicyReport {
  policy: string;
  /** The policy's main knob, for the policies that have one. */
  knob?: { name: string; value: number } | undefined;
  reservations: number;
  warm: number;
  cold: number;
  coldRate: number;
  /** Percentiles over every reservation (a warm one waits 0 s). */
  waitP50Seconds: number;
  waitP99Seconds: number;
  waitMaxSeconds: number;
  /** Warming plus ready-but-unreserved pod time: the cost of the pool. */
  unreservedPodMinutes: number;
  /** unreservedPodMinutes divided by the oracle's: 1 is the floor for zero cold reservations. */
  costVsOracle: number | null;
  podsCreated: number;
  peakPods: number;
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sortedAscending: ArrayLike<number>, fraction: number): number {
  if (sortedAscending.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(fraction * sortedAscending.length));
  return sortedAscending[rank - 1] as number;
}

function rounded(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function policyReport(policy: string, outcome: Outcome, oracleUnreservedPodMs: number, knob?: PolicyReport['knob']): PolicyReport {
  const waits = Float64Array.from(outcome.waitsMs).sort();
  const reservations = waits.length;
  return {
    policy,
    knob,
    reservations,
    warm: reservations - outcome.coldReservations,
    cold: outcome.coldReservations,
    coldRate: reservations === 0 ? 0 : rounded(outcome.coldReservations / reservations, 5),
    waitP50Seconds: rounded(percentile(waits, 0.5) / 1000, 1),
    waitP99Seconds: rounded(percentile(waits, 0.99) / 1000, 1),
    waitMaxSeconds: rounded((waits[waits.length - 1] ?? 0) / 1000, 1),
    unreservedPodMinutes: rounded(outcome.unreservedPodMs / 60_000, 1),
    costVsOracle: oracleUnreservedPodMs > 0 ? rounded(outcome.unreservedPodMs / oracleUnreservedPodMs, 2) : null,
    podsCreated: outcome.podsCreated,
    peakPods: outcome.peakPods,
  };
}

export function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 3 : 2)}%`;
}

function policyLabel(report: PolicyReport): string {
  return report.knob === undefined ? report.policy : `${report.policy} (${report.knob.name} ${report.knob.value})`;
}

const COLUMNS: Array<{ title: string; value: (r: PolicyReport) => string }> = [
  { title: 'policy', value: policyLabel },
  { title: 'reservations', value: (r) => String(r.reservations) },
  { title: 'cold', value: (r) => String(r.cold) },
  { title: 'cold rate', value: (r) => formatPercent(r.coldRate) },
  { title: 'wait p50 s', value: (r) => r.waitP50Seconds.toFixed(1) },
  { title: 'wait p99 s', value: (r) => r.waitP99Seconds.toFixed(1) },
  { title: 'wait max s', value: (r) => r.waitMaxSeconds.toFixed(1) },
  { title: 'idle pod-min', value: (r) => r.unreservedPodMinutes.toFixed(1) },
  { title: 'x oracle', value: (r) => (r.costVsOracle === null ? '-' : r.costVsOracle.toFixed(2)) },
  { title: 'pods created', value: (r) => String(r.podsCreated) },
  { title: 'peak pods', value: (r) => String(r.peakPods) },
];

/** An aligned plain-text table, one row per policy. */
export function formatTable(reports: readonly PolicyReport[]): string {
  const rows = [COLUMNS.map((c) => c.title), ...reports.map((r) => COLUMNS.map((c) => c.value(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The same table as GitHub markdown. */
export function formatMarkdownTable(reports: readonly PolicyReport[]): string {
  const header = `| ${COLUMNS.map((c) => c.title).join(' | ')} |`;
  const rule = `|${COLUMNS.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [header, rule, ...reports.map((r) => `| ${COLUMNS.map((c) => c.value(r)).join(' | ')} |`)].join('\n');
}
