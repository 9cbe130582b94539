/**
 * When a replica may start serving the Secret's certificate, pure. A certificate signed by a new
 * CA is served only once the webhook configuration is known to trust that CA; until then the
 * current certificate (whose CA stays in the bundle) keeps admissions working.
 */
import { X509Certificate } from 'node:crypto';
import { signedBy } from './trust-bundle.js';

export interface ServedCertificate {
  certPem: string;
  /** The CA that signed it, as the Secret held it when the certificate was loaded. */
  authorityPem: string;
}

export interface ServingSwitchInput {
  served: ServedCertificate | undefined;
  candidate: ServedCertificate;
  /** The webhook configuration trusts the candidate's CA (its caBundle was patched or already matched), or there is none to trust it. */
  trustConfirmed: boolean;
  now: Date;
}

export type ServingSwitch = { action: 'unchanged' } | { action: 'serve' | 'wait'; reason: string };

function expired(certPem: string, now: Date): boolean {
  try {
    return new X509Certificate(certPem).validToDate.getTime() <= now.getTime();
  } catch {
    return true;
  }
}

export function servingSwitch({ served, candidate, trustConfirmed, now }: ServingSwitchInput): ServingSwitch {
  if (served?.certPem === candidate.certPem) return { action: 'unchanged' };
  if (served === undefined) return { action: 'serve', reason: 'nothing is served yet' };
  if (trustConfirmed) return { action: 'serve', reason: 'the webhook configuration trusts its CA' };
  if (signedBy(candidate.certPem, served.authorityPem)) return { action: 'serve', reason: 'signed by the CA already trusted' };
  if (expired(served.certPem, now)) return { action: 'serve', reason: 'the served certificate has expired' };
  return { action: 'wait', reason: 'signed by a CA the webhook configuration does not trust yet' };
}
