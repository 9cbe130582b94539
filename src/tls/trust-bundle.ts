/**
 * The caBundle side of a rotation, pure: whether a PEM list trusts a certificate, and what a
 * webhook's caBundle must become to trust the Secret's bundle. A CA of podpool's already in the
 * caBundle stays until it expires, even when the Secret no longer lists it: a replica holding an
 * older copy of the Secret, or a Secret deleted by hand, must not make the API server distrust a
 * certificate another replica still serves. Other entries are replaced.
 */
import { X509Certificate } from 'node:crypto';
import { AUTHORITY_COMMON_NAME, splitPemCertificates } from './certificates.js';

function readCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** Whether `certPem` was signed by `authorityPem`. */
export function signedBy(certPem: string, authorityPem: string): boolean {
  const certificate = readCertificate(certPem);
  const authority = readCertificate(authorityPem);
  return (
    certificate !== undefined && authority !== undefined && certificate.checkIssued(authority) && certificate.verify(authority.publicKey)
  );
}

/** Whether a CA in `bundlePem` signed `certPem`. */
export function bundleTrusts(bundlePem: string, certPem: string): boolean {
  return splitPemCertificates(bundlePem).some((authorityPem) => signedBy(certPem, authorityPem));
}

export type CaBundleChange = { action: 'none' } | { action: 'replace'; bundlePem: string };

function retainedAuthority(pem: string, now: Date): boolean {
  const authority = readCertificate(pem);
  return authority !== undefined && authority.subject === `CN=${AUTHORITY_COMMON_NAME}` && authority.validToDate.getTime() > now.getTime();
}

/** The caBundle that trusts `desiredPem` (the Secret's bundle), given that it holds `currentPem` now. */
export function caBundleChange(currentPem: string | undefined, desiredPem: string, now: Date): CaBundleChange {
  const current = splitPemCertificates(currentPem ?? '');
  const desired = splitPemCertificates(desiredPem);
  const retained = current.filter((pem) => !desired.includes(pem) && retainedAuthority(pem, now));
  const wanted = [...desired, ...retained];
  const unchanged = wanted.length === current.length && wanted.every((pem) => current.includes(pem));
  return unchanged ? { action: 'none' } : { action: 'replace', bundlePem: wanted.join('') };
}
