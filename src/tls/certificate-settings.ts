/**
 * The operator's certificate flags (--cert-validity, --ca-validity, --cert-check-interval) read
 * into lifetimes and a check interval, refusing combinations under which a certificate could
 * expire before a check renews it.
 */
import { parseDurationMs } from '../duration.js';
import { PodpoolError } from '../errors.js';
import { CERTIFICATE_DEFAULTS, type CertificateOptions } from './certificates.js';
import { DEFAULT_CHECK_INTERVAL_MS } from './rotation.js';

/** Below this a rotation is mostly key generation; no real deployment wants it. */
export const MIN_VALIDITY_MS = 10_000;
/** Checks per renewal window (the last third of a certificate's life): one may fail and the next still renews in time. */
const CHECKS_PER_RENEWAL_WINDOW = 2;

export interface CertificateFlags {
  certValidity?: string | undefined;
  caValidity?: string | undefined;
  checkInterval?: string | undefined;
}

export interface CertificateTiming {
  lifetimes: Required<CertificateOptions>;
  checkIntervalMs: number;
}

/** `1500ms`, `30s`, `5m`, `1h`, `90d`. */
export function parseDuration(text: string, flag: string): number {
  const milliseconds = parseDurationMs(text);
  if (milliseconds === undefined || milliseconds <= 0) {
    throw new PodpoolError('InvalidArgument', `${flag}: ${JSON.stringify(text)} is not a positive duration (e.g. 90d, 12h, 30m, 45s)`);
  }
  return milliseconds;
}

export function certificateTiming(flags: CertificateFlags): CertificateTiming {
  const read = (text: string | undefined, flag: string, fallback: number): number =>
    text === undefined ? fallback : parseDuration(text, flag);
  const servingLifetimeMs = read(flags.certValidity, '--cert-validity', CERTIFICATE_DEFAULTS.servingLifetimeMs);
  const authorityLifetimeMs = read(flags.caValidity, '--ca-validity', CERTIFICATE_DEFAULTS.authorityLifetimeMs);
  if (servingLifetimeMs < MIN_VALIDITY_MS)
    throw new PodpoolError('InvalidArgument', `--cert-validity must be at least ${MIN_VALIDITY_MS / 1000}s`);
  if (authorityLifetimeMs < servingLifetimeMs) throw new PodpoolError('InvalidArgument', '--ca-validity must be at least --cert-validity');
  const longestIntervalMs = (servingLifetimeMs * CERTIFICATE_DEFAULTS.renewWhenRemaining) / CHECKS_PER_RENEWAL_WINDOW;
  const checkIntervalMs = read(flags.checkInterval, '--cert-check-interval', Math.min(DEFAULT_CHECK_INTERVAL_MS, longestIntervalMs));
  if (checkIntervalMs > longestIntervalMs) {
    throw new PodpoolError(
      'InvalidArgument',
      `--cert-check-interval must be at most ${Math.floor(longestIntervalMs / 1000)}s (a sixth of --cert-validity), or a certificate could expire between checks`,
    );
  }
  return { lifetimes: { servingLifetimeMs, authorityLifetimeMs }, checkIntervalMs };
}
