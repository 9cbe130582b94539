import { describe, expect, it } from 'vitest';
import { MAX_TTL_SECONDS, parseObjectName, parseReserveBody, parseWait } from '../../../src/reservations/request-body.js';

describe('parseReserveBody', () => {
  it('accepts a user and an optional ttl', () => {
    expect(parseReserveBody({ user: 'alice' })).toEqual({ user: 'alice' });
    expect(parseReserveBody({ user: 'alice', ttlSeconds: 3600 })).toEqual({ user: 'alice', ttlSeconds: 3600 });
    expect(parseReserveBody({ user: 'a'.repeat(253), ttlSeconds: MAX_TTL_SECONDS })).toMatchObject({ ttlSeconds: MAX_TTL_SECONDS });
  });

  it.each([
    [undefined, /JSON object/],
    [null, /JSON object/],
    [[{ user: 'a' }], /JSON object/],
    ['alice', /JSON object/],
    [{}, /user must be a non-empty string/],
    [{ user: '' }, /user must be a non-empty string/],
    [{ user: '   ' }, /user must be a non-empty string/],
    [{ user: 42 }, /user must be a non-empty string/],
    [{ user: 'a'.repeat(254) }, /at most 253/],
    [{ user: 'a\nb' }, /control characters/],
    [{ user: 'a', ttlSeconds: 0 }, /ttlSeconds/],
    [{ user: 'a', ttlSeconds: -5 }, /ttlSeconds/],
    [{ user: 'a', ttlSeconds: 1.5 }, /ttlSeconds/],
    [{ user: 'a', ttlSeconds: '60' }, /ttlSeconds/],
    [{ user: 'a', ttlSeconds: MAX_TTL_SECONDS + 1 }, /7 days/],
    [{ user: 'a', ttl: 60 }, /unknown field\(s\) ttl/],
  ])('rejects %j', (body, message) => {
    expect(() => parseReserveBody(body)).toThrow(message);
  });
});

describe('parseWait', () => {
  it('reads durations and plain seconds', () => {
    expect(parseWait(undefined)).toBe(0);
    expect(parseWait('30s')).toBe(30_000);
    expect(parseWait('1500ms')).toBe(1_500);
    expect(parseWait('2m')).toBe(120_000);
    expect(parseWait('10')).toBe(10_000);
    expect(parseWait('0.5s')).toBe(500);
  });
  it('cuts long waits to the cap', () => {
    expect(parseWait('10m')).toBe(120_000);
    expect(parseWait('30h')).toBe(120_000);
    expect(parseWait('90s', 60)).toBe(60_000);
  });
  it.each([['soon'], ['-5s'], ['30w'], [''], [['1s', '2s']]])('rejects %j', (value) => {
    expect(() => parseWait(value)).toThrow(/wait/);
  });
});

describe('parseObjectName', () => {
  it('accepts Kubernetes names', () => {
    expect(parseObjectName('team-a', 'namespace')).toBe('team-a');
    expect(parseObjectName('pool.v2', 'pool')).toBe('pool.v2');
  });
  it.each([['Team'], ['-a'], ['a_b'], [''], [undefined]])('rejects %j', (value) => {
    expect(() => parseObjectName(value, 'namespace')).toThrow(/not a valid namespace name/);
  });
  it('rejects dots in namespaces and overlong names', () => {
    expect(() => parseObjectName('a.b', 'namespace')).toThrow();
    expect(() => parseObjectName('a'.repeat(254), 'pod')).toThrow();
  });
});
