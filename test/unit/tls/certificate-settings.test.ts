import { describe, expect, it } from 'vitest';
import { certificateTiming, parseDuration } from '../../../src/tls/certificate-settings.js';

const DAY = 86_400_000;

describe('parseDuration', () => {
  it.each([
    ['1500ms', 1_500],
    ['45s', 45_000],
    ['2m', 120_000],
    ['1.5h', 5_400_000],
    ['90d', 90 * DAY],
  ])('reads %s', (text, milliseconds) => {
    expect(parseDuration(text, '--cert-validity')).toBe(milliseconds);
  });

  it.each(['90', '0s', '-1d', '1w', 'soon'])('refuses %s, naming the flag', (text) => {
    expect(() => parseDuration(text, '--cert-validity')).toThrow(/--cert-validity: .* is not a positive duration/);
  });
});

describe('certificateTiming', () => {
  it('keeps the production defaults: 90-day certificates, a 5-year CA, hourly checks', () => {
    expect(certificateTiming({})).toEqual({
      lifetimes: { servingLifetimeMs: 90 * DAY, authorityLifetimeMs: 5 * 365 * DAY },
      checkIntervalMs: 3_600_000,
    });
  });

  it('takes short lifetimes and intervals, for tests and demos', () => {
    expect(certificateTiming({ certValidity: '30s', caValidity: '60s', checkInterval: '2s' })).toEqual({
      lifetimes: { servingLifetimeMs: 30_000, authorityLifetimeMs: 60_000 },
      checkIntervalMs: 2_000,
    });
  });

  it('shortens the default check interval to fit a short validity', () => {
    expect(certificateTiming({ certValidity: '1h' }).checkIntervalMs).toBe(600_000);
  });

  it('refuses settings under which a certificate could expire unrenewed', () => {
    expect(() => certificateTiming({ certValidity: '5s' })).toThrow(/--cert-validity must be at least 10s/);
    expect(() => certificateTiming({ certValidity: '30d', caValidity: '7d' })).toThrow(/--ca-validity must be at least --cert-validity/);
    expect(() => certificateTiming({ certValidity: '1h', checkInterval: '11m' })).toThrow(/--cert-check-interval must be at most 600s/);
  });
});
