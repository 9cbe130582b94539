/**
 * The serving certificate every HTTPS face of the operator (admission webhook, reservations)
 * presents: either made and rotated by the operator itself in a Secret all replicas share (the
 * default; the MutatingWebhookConfiguration's caBundle is patched to trust it), or read from files
 * cert-manager mounts (tls.crt, tls.key), reloaded when they change.
 */
import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { CertificateDirectory } from './certificate-directory.js';
import { serviceDnsNames, type CertificateOptions, type CertificateTarget, type PemPair } from './certificates.js';
import { SecretCertificateRotation } from './rotation.js';

export type CertificateSource =
  | {
      kind: 'secret';
      secretName: string;
      namespace: string;
      webhookConfigurationName?: string | undefined;
      serviceNames: string[];
      extraNames: string[];
      /** Lifetimes of the CA and serving certificate (defaults: 5 years, 90 days). */
      lifetimes?: CertificateOptions | undefined;
      /** How often the Secret is checked for renewal (default: hourly). */
      checkIntervalMs?: number | undefined;
    }
  | { kind: 'directory'; directory: string };

export interface ServingCertificates {
  stop(): void;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Hands each new certificate to every server. */
function fanOut(targets: CertificateTarget[]): CertificateTarget {
  return { setCertificate: (pair: PemPair) => targets.forEach((target) => target.setCertificate(pair)) };
}

/** Loads the first certificate (so servers can listen) and keeps it current. */
export async function startServingCertificates(
  source: CertificateSource,
  kubeConfig: KubeConfig,
  targets: CertificateTarget[],
  log: Logger,
): Promise<ServingCertificates> {
  const target = fanOut(targets);
  if (source.kind === 'directory') {
    const directory = new CertificateDirectory(source.directory, target, { log });
    await directory.reload();
    directory.start();
    return { stop: () => directory.stop() };
  }
  const names = [...source.serviceNames.flatMap((service) => serviceDnsNames(service, source.namespace)), ...source.extraNames];
  const rotation = new SecretCertificateRotation({
    core: kubeConfig.makeApiClient(CoreV1Api),
    admission: kubeConfig.makeApiClient(AdmissionregistrationV1Api),
    secret: { namespace: source.namespace, name: source.secretName },
    webhookConfigurationName: source.webhookConfigurationName,
    identity: { dnsNames: names.filter((n) => !IPV4.test(n)), ipAddresses: names.filter((n) => IPV4.test(n)) },
    target,
    certificateOptions: source.lifetimes,
    checkIntervalMs: source.checkIntervalMs,
    log,
  });
  await rotation.check();
  rotation.start();
  return { stop: () => rotation.stop() };
}
