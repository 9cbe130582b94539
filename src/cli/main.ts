#!/usr/bin/env node
/** The `podpool` command. Each subcommand lives in its own module and is loaded on demand. */
import { errorMessage, PodpoolError } from '../errors.js';
import { nodeVersionProblem } from './node-version.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  operator: {
    summary: 'run the operator (controller, scaler, webhook, reservations)',
    load: async () => (await import('./operator.js')).operatorCommand,
  },
  crd: {
    summary: 'print the PodPool (or PodPoolClaim) CustomResourceDefinition YAML',
    load: async () => (await import('./crd.js')).crdCommand,
  },
  recommend: {
    summary: "print the scaling engine's decision for a pool as JSON",
    load: async () => (await import('./recommend.js')).recommendCommand,
  },
  reserve: { summary: 'reserve one ready pod of a pool for a user', load: async () => (await import('./reserve.js')).reserveCommand },
  claim: {
    summary: 'claim one ready pod as a PodPoolClaim and wait until it is bound',
    load: async () => (await import('./claim.js')).claimCommand,
  },
  release: { summary: 'end a reservation: delete the reserved pod', load: async () => (await import('./release.js')).releaseCommand },
  simulate: {
    summary: 'replay a demand trace against the engine and baseline policies',
    load: async () => (await import('./simulate.js')).simulateCommand,
  },
  trace: {
    summary: 'generate an example demand trace (diurnal, spike, ramp, flat)',
    load: async () => (await import('./trace.js')).traceCommand,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(12)} ${summary}`);
  return `usage: podpool <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun podpool <command> --help for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  // Before any command loads its dependencies, which fail obscurely on an old Node.
  const versionProblem = nodeVersionProblem(process.version);
  if (versionProblem !== undefined) {
    console.error(versionProblem);
    return 1;
  }
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`podpool: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(rest);
  } catch (error) {
    const code = error instanceof PodpoolError ? ` (${error.code})` : '';
    console.error(`podpool ${name}: ${errorMessage(error)}${code}`);
    return 1;
  }
}

const exitCode = await main(process.argv.slice(2));
// A command that failed may have left servers or watches open (an operator that could not finish
// starting): exit rather than linger half-started, so a Deployment restarts it.
if (exitCode !== 0) process.exit(exitCode);
process.exitCode = exitCode;
