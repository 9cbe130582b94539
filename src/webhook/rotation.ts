/**
 * Keeps every replica serving a valid certificate the API server trusts, with no restart: on each
 * check, read (or create, or renew) the shared Secret, make sure the webhook configuration trusts
 * its CA, then serve its certificate. The caBundle is patched *before* a new certificate is
 * served, so a new CA is trusted before any replica presents a certificate signed by it.
 * Every replica runs this; whichever renews first wins and the others pick up its result.
 */
import type { AdmissionregistrationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { errorMessage } from '../errors.js';
import { logger as processLogger, type Logger } from '../log.js';
import { ensureCertificateSecret, patchCaBundle, type SecretRef } from './cert-store.js';
import type { CertificateBundle, CertificateOptions, CertificateTarget, ServingIdentity } from './certificates.js';

/** With 90-day certificates renewed 30 days early, an hourly check has a month of slack. */
export const DEFAULT_CHECK_INTERVAL_MS = 60 * 60_000;

export interface CertificateRotationOptions {
  core: CoreV1Api;
  admission: AdmissionregistrationV1Api;
  secret: SecretRef;
  /** The MutatingWebhookConfiguration to trust the CA; unset when no webhook is served. */
  webhookConfigurationName?: string | undefined;
  identity: ServingIdentity;
  target: CertificateTarget;
  certificateOptions?: CertificateOptions;
  checkIntervalMs?: number;
  now?: () => Date;
  log?: Logger;
}

export class SecretCertificateRotation {
  private served: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private running: Promise<CertificateBundle> | undefined;
  private readonly log: Logger;

  constructor(private readonly options: CertificateRotationOptions) {
    this.log = (options.log ?? processLogger).child({ component: 'webhook-certificates', secret: `${options.secret.namespace}/${options.secret.name}` });
  }

  /** One check; throws on API errors (call it once before listening, so a replica never serves without a certificate). */
  check(): Promise<CertificateBundle> {
    // Overlapping checks would race each other for the Secret; share the one in flight.
    this.running ??= this.checkOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkOnce(): Promise<CertificateBundle> {
    const { core, admission, secret, identity, certificateOptions } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    const stored = await ensureCertificateSecret(core, secret, identity, now, certificateOptions);
    if (stored.action !== 'read') this.log.info({ action: stored.action, reason: stored.decision.reason }, 'wrote webhook certificates');
    const bundle = stored.bundle;
    const configuration = this.options.webhookConfigurationName;
    if (configuration !== undefined) {
      try {
        if (await patchCaBundle(admission, configuration, bundle.trustBundlePem)) this.log.info({ configuration }, 'patched caBundle');
      } catch (error) {
        // The configuration may not exist yet (installed after the operator starts): serve
        // anyway and try again soon rather than crash-looping.
        this.log.warn({ configuration, err: errorMessage(error) }, 'could not patch caBundle; retrying in 10 s');
        this.retry = setTimeout(() => void this.check().catch(() => undefined), 10_000);
        this.retry.unref();
      }
    }
    if (this.served !== bundle.serving.certPem) {
      this.options.target.setCertificate(bundle.serving);
      this.served = bundle.serving.certPem;
      this.log.info('serving new webhook certificate');
    }
    return bundle;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.check().catch((error: unknown) => this.log.warn({ err: errorMessage(error) }, 'certificate check failed; keeping the current certificate'));
    }, this.options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.timer = undefined;
  }
}
