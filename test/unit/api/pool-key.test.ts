import { describe, expect, it } from 'vitest';
import { parsePoolKey, poolKey } from '../../../src/api/pool-key.js';

describe('pool key', () => {
  it('is namespace/name, as the informer cache emits it', () => {
    expect(poolKey('team-a', 'sandboxes')).toBe('team-a/sandboxes');
  });

  it('parses back into the namespace and the name, a dotted name included', () => {
    expect(parsePoolKey(poolKey('team-a', 'gpu.large'))).toEqual({ namespace: 'team-a', name: 'gpu.large' });
  });
});
