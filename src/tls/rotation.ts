/**
 * Keeps every replica serving a valid certificate the API server trusts, with no restart: on each
 * check, read (or create, or renew) the shared Secret, make sure the webhook configuration trusts
 * its CAs (the new one and, after a CA rotation, the old one), and only then serve its certificate.
 * When the caBundle cannot be patched, a certificate from a new CA waits and the current one,
 * whose CA is still trusted, stays in service (servingSwitch decides).
 * Every replica runs this; whichever renews first wins and the others pick up its result.
 */
import { errorMessage } from '../errors.js';
import { logger as processLogger, type Logger } from '../log.js';
import { ensureCertificateSecret, patchCaBundle, type CaBundleApi, type SecretApi, type SecretRef } from './secret-store.js';
import type { CertificateBundle, CertificateOptions, CertificateTarget, ServingIdentity } from './certificates.js';
import { servingSwitch, type ServedCertificate } from './serving-switch.js';
import { systemClock, type Clock } from '../clock.js';

/** With 90-day certificates renewed 30 days early, an hourly check has a month of slack. */
export const DEFAULT_CHECK_INTERVAL_MS = 60 * 60_000;
/** How soon a check that could not confirm the caBundle runs again (or the check interval, if shorter). */
export const TRUST_RETRY_MS = 10_000;

export interface CertificateRotationOptions {
  core: SecretApi;
  admission: CaBundleApi;
  secret: SecretRef;
  /** The MutatingWebhookConfiguration to trust the CA; unset when no webhook is served. */
  webhookConfigurationName?: string | undefined;
  identity: ServingIdentity;
  target: CertificateTarget;
  certificateOptions?: CertificateOptions;
  checkIntervalMs?: number;
  clock?: Clock;
  log?: Logger;
}

export class SecretCertificateRotation {
  private served: ServedCertificate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private running: Promise<CertificateBundle> | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly options: CertificateRotationOptions) {
    this.log = (options.log ?? processLogger).child({
      component: 'webhook-certificates',
      secret: `${options.secret.namespace}/${options.secret.name}`,
    });
  }

  /** One check; throws on API errors (call it once before listening, so a replica never serves without a certificate). */
  check(): Promise<CertificateBundle> {
    // Overlapping checks would race each other for the Secret; share the one in flight.
    this.running ??= this.checkOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The certificate this replica serves, and the CA that signed it. */
  servedCertificate(): ServedCertificate | undefined {
    return this.served;
  }

  private async checkOnce(): Promise<CertificateBundle> {
    const { core, secret, identity, certificateOptions } = this.options;
    const now = new Date((this.options.clock ?? systemClock).now());
    const stored = await ensureCertificateSecret(core, secret, identity, now, certificateOptions);
    if (stored.action !== 'read') this.log.info({ action: stored.action, reason: stored.decision.reason }, 'wrote webhook certificates');
    const bundle = stored.bundle;
    const trustConfirmed = await this.confirmTrust(bundle, now);
    const candidate = { certPem: bundle.serving.certPem, authorityPem: bundle.authority.certPem };
    const decision = servingSwitch({ served: this.served, candidate, trustConfirmed, now });
    if (decision.action === 'serve') {
      this.options.target.setCertificate(bundle.serving);
      this.served = candidate;
      this.log.info({ reason: decision.reason }, 'serving new webhook certificate');
    } else if (decision.action === 'wait') {
      this.log.warn({ reason: decision.reason }, 'keeping the current certificate until the caBundle trusts the new CA');
    }
    return bundle;
  }

  /** Makes the caBundle trust the Secret's bundle; false (and a retry soon) when that could not be confirmed. */
  private async confirmTrust(bundle: CertificateBundle, now: Date): Promise<boolean> {
    const configuration = this.options.webhookConfigurationName;
    if (configuration === undefined) return true;
    try {
      if ((await patchCaBundle(this.options.admission, configuration, bundle.trustBundlePem, now)) === 'patched')
        this.log.info({ configuration }, 'patched caBundle');
      return true;
    } catch (error) {
      // The configuration may not exist yet (installed after the operator starts), or another replica patched it concurrently.
      this.log.warn({ configuration, err: errorMessage(error) }, 'could not patch caBundle; retrying soon');
      this.scheduleRetry();
      return false;
    }
  }

  private checkInBackground(): void {
    this.check().catch((error: unknown) =>
      this.log.warn({ err: errorMessage(error) }, 'certificate check failed; keeping the current certificate'),
    );
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    const delayMs = Math.min(TRUST_RETRY_MS, this.options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS);
    this.retry = setTimeout(() => this.checkInBackground(), delayMs);
    this.retry.unref();
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.stopped = false;
    this.timer = setInterval(() => this.checkInBackground(), this.options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.timer = undefined;
  }
}
