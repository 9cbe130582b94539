/**
 * Certificates for the local control plane, made by the operator's own signer (src/tls): one PKI.
 * Local certificates start now and last a week, longer than any run.
 */
import { signCertificate, type SigningRequest } from '../../src/tls/index.js';

export { newKeyPair, type PemPair } from '../../src/tls/index.js';

const LOCAL_LIFETIME_MS = 7 * 86_400_000;

export function issueCertificate(request: Omit<SigningRequest, 'now' | 'lifetimeMs'>): ReturnType<typeof signCertificate> {
  return signCertificate({ ...request, now: new Date(), lifetimeMs: LOCAL_LIFETIME_MS });
}
