/** The admission webhook role: what the operator wires in. */
export { admit, admissionResponse, decideAdmission, type AdmissionDecision, type AdmissionOutcome } from './admission.js';
export {
  bundleFromSecret,
  certificateSecret,
  ensureCertificateSecret,
  patchCaBundle,
  applyWebhookConfiguration,
  SECRET_KEYS,
  type CaBundlePatch,
  type SecretRef,
  type StoredCertificates,
} from './cert-store.js';
export { certificateTiming, parseDuration, type CertificateFlags, type CertificateTiming } from './certificate-settings.js';
export { CertificateDirectory, readCertificateDirectory, type CertificateDirectoryOptions } from './certificate-directory.js';
export {
  CERTIFICATE_DEFAULTS,
  newCertificateBundle,
  renewalDecision,
  renewCertificateBundle,
  serviceDnsNames,
  type CertificateBundle,
  type CertificateTarget,
  type PemPair,
  type ServingIdentity,
} from './certificates.js';
export { KubeLivePoolReader, LIVE_READ_TIMEOUT_MS, type LivePoolReader } from './live-pool-reader.js';
export { confirmAdmission } from './pool-confirmation.js';
export { DEFAULT_CONFIGURATION_NAME, DEFAULT_WEBHOOK_PORT, MUTATE_POD_PATH, WEBHOOK_NAME, webhookConfiguration, type WebhookTarget } from './configuration.js';
export { labelPatch, poolPodPatch, stampedLabels, type JsonPatchOperation } from './patch.js';
export { parseAdmissionReview, admissionReviewBody, type AdmissionRequest, type AdmissionResponse } from './review.js';
export { SecretCertificateRotation, type CertificateRotationOptions } from './rotation.js';
export { servingSwitch, type ServedCertificate, type ServingSwitch } from './serving-switch.js';
export { bundleTrusts, caBundleChange, signedBy, type CaBundleChange } from './trust-bundle.js';
export { MAX_ADMISSION_BODY_BYTES, webhookApp, webhookRouter, type WebhookRouteOptions } from './route.js';
export { ReloadableHttpsServer, TLS_SERVER_DEFAULTS, type TlsServerOptions } from './tls-server.js';
