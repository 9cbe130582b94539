import { describe, expect, it } from 'vitest';
import { MIN_NODE_MAJOR, nodeVersionProblem } from '../../../src/cli/node-version.js';

describe('nodeVersionProblem', () => {
  it('accepts the supported release and later ones', () => {
    expect(nodeVersionProblem(`v${MIN_NODE_MAJOR}.0.0`)).toBeUndefined();
    expect(nodeVersionProblem('v24.21.0')).toBeUndefined();
    expect(nodeVersionProblem('v26.1.0')).toBeUndefined();
  });
  it('names the release it needs and the one it found', () => {
    expect(nodeVersionProblem('v20.20.2')).toBe('podpool needs Node >= 24 (found v20.20.2)');
    expect(nodeVersionProblem('v22.9.0')).toBe('podpool needs Node >= 24 (found v22.9.0)');
    expect(nodeVersionProblem('nonsense')).toBe('podpool needs Node >= 24 (found nonsense)');
  });
  it('is what the CLI prints on the Node this test runs under only when that Node is too old', () => {
    expect(nodeVersionProblem(process.version)).toBeUndefined();
  });
});
