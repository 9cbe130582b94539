/**
 * Machine-readable benchmark figures: with `--json` on the command line a benchmark writes what
 * it measured into bench/results.json (one entry per benchmark, replaced on each run), each figure
 * beside the floor it was measured against in the same run, so runs can be compared by a program.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export const RESULTS_FILE = 'bench/results.json';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The same work done by the bare floor (a bare client or server) in the same run. */
  floor?: number | undefined;
  /** value / floor. */
  ratio?: number | undefined;
  /** The goal the figure is held against, as the issue states it (e.g. ">= 0.8x floor"). */
  goal?: string | undefined;
}

export interface BenchmarkResults {
  date: string;
  machine: string;
  command: string;
  figures: Figure[];
}

export function figure(name: string, value: number, unit: string, floor?: number, goal?: string): Figure {
  const round = (x: number): number => Number(x.toPrecision(4));
  return {
    name,
    value: round(value),
    unit,
    ...(floor === undefined ? {} : { floor: round(floor), ratio: round(value / floor) }),
    ...(goal === undefined ? {} : { goal }),
  };
}

export function machine(): string {
  const cores = cpus();
  return `${cores.length} x ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Records the benchmark's figures when `--json` was given; a no-op otherwise. */
export function recordResults(benchmark: string, command: string, figures: Figure[], argv: readonly string[] = process.argv): void {
  if (!argv.includes('--json')) return;
  let all: Record<string, BenchmarkResults> = {};
  try {
    all = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, BenchmarkResults>;
  } catch {
    // First run, or a file someone broke: start over.
  }
  all[benchmark] = { date: new Date().toISOString(), machine: machine(), command, figures };
  const sorted = Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(RESULTS_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
  console.log(`\nwrote ${figures.length} figures to ${RESULTS_FILE} (${benchmark})`);
}
