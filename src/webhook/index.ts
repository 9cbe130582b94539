/** The admission webhook role: what the operator wires in. */
export { admit, admissionResponse, decideAdmission, type AdmissionDecision, type AdmissionOutcome } from './admission.js';
export { bundleFromSecret, certificateSecret, ensureCertificateSecret, patchCaBundle, applyWebhookConfiguration, SECRET_KEYS, type SecretRef, type StoredCertificates } from './cert-store.js';
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
export { DEFAULT_CONFIGURATION_NAME, DEFAULT_WEBHOOK_PORT, MUTATE_POD_PATH, WEBHOOK_NAME, webhookConfiguration, type WebhookTarget } from './configuration.js';
export { labelPatch, poolPodPatch, stampedLabels, type JsonPatchOperation } from './patch.js';
export { parseAdmissionReview, admissionReviewBody, type AdmissionRequest, type AdmissionResponse } from './review.js';
export { SecretCertificateRotation, type CertificateRotationOptions } from './rotation.js';
export { MAX_ADMISSION_BODY_BYTES, webhookApp, webhookRouter, type WebhookRouteOptions } from './route.js';
export { ReloadableHttpsServer, TLS_SERVER_DEFAULTS, type TlsServerOptions } from './tls-server.js';
