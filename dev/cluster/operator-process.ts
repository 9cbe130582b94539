/** Runs `podpool operator` as a real child process against a local control plane (tests, benchmarks). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './control-plane.js';

/** How long startOperatorProcess waits for /readyz before it gives up. */
export const OPERATOR_READY_TIMEOUT_MS = 30_000;

export interface OperatorProcess {
  child: ChildProcess;
  metricsPort: number;
  scalerPort: number;
  webhookPort: number;
  reservationsPort: number;
  logFile: string;
  identity: string;
  /** SIGTERM and wait for exit (a graceful shutdown releases the lease). */
  stop(): Promise<void>;
  /** SIGKILL: a crash, the lease is not released. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a process that stops reading (its watches go stale) and later carries on. */
  pause(): void;
  resume(): void;
}

export interface OperatorPorts {
  metricsPort: number;
  scalerPort: number;
  webhookPort: number;
  reservationsPort: number;
}

export interface OperatorProcessOptions {
  leaseNamespace: string;
  identity: string;
  kubeconfigPath: string;
  extraArgs?: string[];
  /** The ports of an earlier process, to restart it where its clients (KEDA, say) expect it; default: free ports. */
  ports?: OperatorPorts;
  /** LOG_LEVEL of the child (default debug, for tests' logs). */
  logLevel?: string;
  /** How long to wait for /readyz (default OPERATOR_READY_TIMEOUT_MS). */
  readyTimeoutMs?: number;
  /** Run the compiled dist/cli/main.js, as the container image does (built by `npm run build`), instead of src under tsx. */
  compiled?: boolean;
  /** Flags for the child's node (e.g. the chart's `--max-old-space-size`). */
  nodeOptions?: string[];
}

/** Free ports are found by binding port 0 and letting go: a parallel test file can take one before the child binds it. */
const PORT_ATTEMPTS = 3;

class PortTaken extends Error {}

export async function startOperatorProcess(options: OperatorProcessOptions): Promise<OperatorProcess> {
  if (options.ports !== undefined) return launchOperator(options, options.ports);
  for (let attempt = 1; ; attempt += 1) {
    const ports = {
      metricsPort: await freePort(),
      scalerPort: await freePort(),
      webhookPort: await freePort(),
      reservationsPort: await freePort(),
    };
    try {
      return await launchOperator(options, ports);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function launchOperator(options: OperatorProcessOptions, ports: OperatorPorts): Promise<OperatorProcess> {
  const { metricsPort, scalerPort, webhookPort, reservationsPort } = ports;
  const logFile = join(mkdtempSync(join(tmpdir(), 'podpool-op-')), `${options.identity}.log`);
  const child = spawn(
    join(process.cwd(), 'node_modules/.bin/node'),
    [
      ...(options.nodeOptions ?? []),
      ...(options.compiled === true ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts']),
      'operator',
      `--kubeconfig=${options.kubeconfigPath}`,
      `--namespace=${options.leaseNamespace}`,
      `--identity=${options.identity}`,
      `--metrics-port=${metricsPort}`,
      `--scaler-port=${scalerPort}`,
      `--webhook-port=${webhookPort}`,
      `--reservations-port=${reservationsPort}`,
      '--tls-extra-names=127.0.0.1,localhost',
      '--bind-address=127.0.0.1',
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: options.logLevel ?? 'debug' } },
  );
  const out = createWriteStream(logFile);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const outputClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  // Ready once the health endpoint answers.
  const deadline = Date.now() + (options.readyTimeoutMs ?? OPERATOR_READY_TIMEOUT_MS);
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) {
      await outputClosed;
      if (!out.writableFinished) await new Promise((resolve) => setTimeout(resolve, 200));
      const log = readFileSync(logFile, 'utf8');
      if (log.includes('EADDRINUSE')) throw new PortTaken(`operator could not bind a port; log: ${logFile}`);
      throw new Error(`operator exited early; log: ${logFile}`);
    }
    if (Date.now() > deadline) throw new Error(`operator did not become ready; log: ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    child,
    metricsPort,
    scalerPort,
    webhookPort,
    reservationsPort,
    logFile,
    identity: options.identity,
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}
