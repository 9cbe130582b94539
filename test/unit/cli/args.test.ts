import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommand } from '../../../src/cli/args.js';
import { PodpoolError } from '../../../src/errors.js';

const OPTIONS = { namespace: { type: 'string', short: 'n' }, verbose: { type: 'boolean' } } as const;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('parseCommand', () => {
  it('parses flags and up to the allowed positionals', () => {
    const parsed = parseCommand(['pool-a', '-n', 'team', '--verbose'], 'usage', OPTIONS, 1);
    expect(parsed?.values).toEqual({ namespace: 'team', verbose: true });
    expect(parsed?.positionals).toEqual(['pool-a']);
  });

  it('prints the help and returns undefined on -h and --help', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(parseCommand(['-h'], 'usage: podpool x', OPTIONS)).toBeUndefined();
    expect(parseCommand(['--namespace', 'a', '--help'], 'usage: podpool x', OPTIONS)).toBeUndefined();
    expect(log).toHaveBeenCalledTimes(2);
    expect(log).toHaveBeenCalledWith('usage: podpool x');
  });

  it('rejects extra positionals with the help text, and unknown flags', () => {
    expect(() => parseCommand(['a'], 'usage: podpool x', OPTIONS)).toThrow(PodpoolError);
    expect(() => parseCommand(['a', 'b'], 'usage: podpool x', OPTIONS, 1)).toThrow(/unexpected argument "b"[\s\S]*usage: podpool x/);
    expect(() => parseCommand(['--bogus'], 'usage', OPTIONS)).toThrow(/Unknown option '--bogus'/);
  });
});
