/** Argument parsing shared by the subcommands: strict flags, `-h/--help`, a positional count check. */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { PodpoolError } from '../errors.js';

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses `argv` against `options` (plus `--help`). Prints `help` and returns undefined when asked
 * for it; rejects more positionals than `maxPositionals` with the help text.
 */
export function parseCommand<O extends ParseArgsOptionsConfig>(argv: string[], help: string, options: O, maxPositionals = 0) {
  const parsed = parseArgs<{ args: string[]; options: O & typeof HELP_OPTION; allowPositionals: true; strict: true }>({
    args: argv,
    options: { ...options, ...HELP_OPTION },
    allowPositionals: true,
    strict: true,
  });
  if ((parsed.values as { help?: boolean }).help === true) {
    console.log(help);
    return undefined;
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new PodpoolError('InvalidArgument', `unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}\n\n${help}`);
  }
  return parsed;
}
