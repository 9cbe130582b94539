/**
 * promtool and a real Prometheus server for the tests: installed on first use by
 * scripts/install-prometheus.sh (the distribution's `prometheus` package), run on loopback under
 * the same guard as the control plane's components.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startGuarded, stopChild, waitFor } from './control-plane.js';

const INSTALL_SCRIPT = resolve('scripts/install-prometheus.sh');

let installed = false;

/** Runs the install script once per process; it returns at once when both binaries are present. */
export function ensurePrometheus(): void {
  if (installed) return;
  const result = spawnSync(INSTALL_SCRIPT, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${INSTALL_SCRIPT} failed (exit ${result.status}):\n${result.stderr}`);
  installed = true;
}

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function promtool(args: string[], input?: string): CommandResult {
  ensurePrometheus();
  const result = spawnSync('promtool', args, { encoding: 'utf8', input });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** One sample of an instant vector, as the HTTP API answers it. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  url: string;
  logFile: string;
  /** An instant query; throws on a query Prometheus refuses (a parse error, say). */
  query(expr: string): Promise<VectorSample[]>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** host:port targets of one scrape job, `podpool`. */
  targets: string[];
  ruleFiles: string[];
  /** Scrape and rule evaluation interval, e.g. `1s`. */
  interval: string;
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  ensurePrometheus();
  const dir = mkdtempSync(join(tmpdir(), 'podpool-prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: options.interval, scrape_timeout: options.interval, evaluation_interval: options.interval },
    rule_files: options.ruleFiles.map((file) => resolve(file)),
    scrape_configs: [{ job_name: 'podpool', static_configs: [{ targets: options.targets }] }],
  };
  // JSON is YAML.
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const logFile = join(dir, 'prometheus.log');
  const child: ChildProcess = startGuarded(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    logFile,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Prometheus ready', async () => (await fetch(`${url}/-/ready`)).status === 200, 30_000, logFile);
  const query = async (expr: string): Promise<VectorSample[]> => {
    const response = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: VectorSample[] } };
    if (body.status !== 'success' || body.data === undefined) throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
    if (body.data.resultType !== 'vector') throw new Error(`query ${expr} answered a ${body.data.resultType}, not a vector`);
    return body.data.result;
  };
  return {
    url,
    logFile,
    query,
    stop: async () => {
      await stopChild(child);
      // The log stays for a failed run to read.
      rmSync(join(dir, 'data'), { recursive: true, force: true });
    },
  };
}
