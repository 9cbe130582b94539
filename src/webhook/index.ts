/** The admission webhook role: what the operator wires in. */
export { admit, admissionResponse, decideAdmission, type AdmissionDecision, type AdmissionOutcome } from './admission.js';
export { KubeLivePoolReader, LIVE_READ_TIMEOUT_MS, type LivePoolReader } from './live-pool-reader.js';
export { confirmAdmission } from './pool-confirmation.js';
export {
  applyWebhookConfiguration,
  DEFAULT_CONFIGURATION_NAME,
  DEFAULT_WEBHOOK_PORT,
  MUTATE_POD_PATH,
  WEBHOOK_NAME,
  webhookConfiguration,
  type WebhookTarget,
} from './configuration.js';
export { labelPatch, poolPodPatch, stampedLabels, type JsonPatchOperation } from './patch.js';
export { parseAdmissionReview, admissionReviewBody, type AdmissionRequest, type AdmissionResponse } from './review.js';
export { MAX_ADMISSION_BODY_BYTES, webhookHandler, type WebhookRouteOptions } from './route.js';
