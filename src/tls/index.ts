/** Serving certificates for every HTTPS face (webhook, reservations): CA and issuance, the Secret store, rotation, the reloadable server. */
export { certificateTiming, parseDuration, type CertificateFlags, type CertificateTiming } from './certificate-settings.js';
export { CertificateDirectory, readCertificateDirectory, type CertificateDirectoryOptions } from './certificate-directory.js';
export {
  CERTIFICATE_DEFAULTS,
  newCertificateBundle,
  newKeyPair,
  renewalDecision,
  renewCertificateBundle,
  serviceDnsNames,
  signCertificate,
  type CertificateBundle,
  type CertificateTarget,
  type LeafUsage,
  type PemPair,
  type ServingIdentity,
  type SigningRequest,
} from './certificates.js';
export { ReloadableHttpsServer, TLS_SERVER_DEFAULTS, type TlsServerName, type TlsServerOptions } from './reloadable-https-server.js';
export { SecretCertificateRotation, type CertificateRotationOptions } from './rotation.js';
export {
  bundleFromSecret,
  certificateSecret,
  ensureCertificateSecret,
  patchCaBundle,
  SECRET_KEYS,
  type CaBundlePatch,
  type SecretRef,
  type StoredCertificates,
} from './secret-store.js';
export { startServingCertificates, type CertificateSource, type ServingCertificates } from './serving-certificates.js';
export { servingSwitch, type ServedCertificate, type ServingSwitch } from './serving-switch.js';
export { bundleTrusts, caBundleChange, signedBy, type CaBundleChange } from './trust-bundle.js';
