import { describe, expect, it } from 'vitest';
import { PodpoolError } from '../../../src/errors.js';
import { metricNameFor, poolRefFromPath, poolRefFromScaledObject } from '../../../src/scaler/pool-ref.js';

function refusal(run: () => unknown): PodpoolError {
  try {
    run();
  } catch (error) {
    if (error instanceof PodpoolError) return error;
    throw error;
  }
  throw new Error('expected a PodpoolError');
}

describe('reading the pool from KEDA trigger metadata', () => {
  it('takes podPoolName and defaults the namespace to the ScaledObject namespace', () => {
    expect(poolRefFromScaledObject({ name: 'so', namespace: 'team-a', scalerMetadata: { podPoolName: 'sandboxes' } })).toEqual({
      namespace: 'team-a',
      name: 'sandboxes',
    });
  });

  it('lets podPoolNamespace point at another namespace', () => {
    const ref = poolRefFromScaledObject({ namespace: 'team-a', scalerMetadata: { podPoolName: 'gpu.large', podPoolNamespace: 'shared' } });
    expect(ref).toEqual({ namespace: 'shared', name: 'gpu.large' });
  });

  it('ignores the other keys KEDA forwards (scalerAddress, unsafeSsl, ...)', () => {
    const ref = poolRefFromScaledObject({
      namespace: 'a',
      scalerMetadata: { scalerAddress: 'x:9090', unsafeSsl: 'true', podPoolName: 'p' },
    });
    expect(ref).toEqual({ namespace: 'a', name: 'p' });
  });

  it.each([
    ['no metadata at all', null, 'podPoolName is required'],
    ['an empty podPoolName', { podPoolName: '' }, 'podPoolName is required'],
    ['a pool name that is not DNS-1123', { podPoolName: 'Bad_Name' }, 'podPoolName "Bad_Name" is not a valid PodPool name'],
    ['a namespace with dots', { podPoolName: 'p', podPoolNamespace: 'a.b' }, 'podPoolNamespace "a.b" is not a valid namespace name'],
  ])('refuses %s with InvalidArgument naming the key', (_case, metadata, message) => {
    const error = refusal(() => poolRefFromScaledObject({ namespace: 'team-a', scalerMetadata: metadata }));
    expect(error.code).toBe('InvalidArgument');
    expect(error.message).toContain(message);
  });

  it('asks for podPoolNamespace when the ScaledObject namespace is missing', () => {
    const error = refusal(() => poolRefFromScaledObject({ scalerMetadata: { podPoolName: 'p' } }));
    expect(error.code).toBe('InvalidArgument');
    expect(error.message).toContain('podPoolNamespace is required');
  });

  it('survives an absent request', () => {
    expect(refusal(() => poolRefFromScaledObject(undefined)).code).toBe('InvalidArgument');
  });
});

describe('pool names from an HTTP path', () => {
  it('accepts valid names and refuses others', () => {
    expect(poolRefFromPath('team-a', 'web')).toEqual({ namespace: 'team-a', name: 'web' });
    expect(refusal(() => poolRefFromPath('team-a', '..')).code).toBe('InvalidArgument');
    expect(refusal(() => poolRefFromPath('x'.repeat(64), 'web')).message).toContain('namespace');
  });
});

describe('names derived from a pool', () => {
  it('gives a stable metric name', () => {
    expect(metricNameFor({ namespace: 'team-a', name: 'sandboxes' })).toBe('podpool-team-a-sandboxes');
  });
});
