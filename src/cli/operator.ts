import { readFileSync } from 'node:fs';
import type { ScalerTls } from '../scaler/grpc-server.js';
import { PodpoolError } from '../errors.js';
import { logger } from '../log.js';
import { defaultIdentity, startOperator } from '../operator.js';
import type { CertificateSource } from '../tls/serving-certificates.js';
import { certificateTiming } from '../tls/certificate-settings.js';
import { DEFAULT_CONFIGURATION_NAME } from '../webhook/configuration.js';
import { parseCommand } from './args.js';

const HELP = `usage: podpool operator [options]

Runs the controller (leader only), the KEDA scaler, the admission webhook and the reservation API.
  --kubeconfig FILE         kubeconfig (default: $KUBECONFIG, else in-cluster)
  --namespace NS            the operator's namespace: leader Lease and TLS Secret (default: $POD_NAMESPACE or podpool-system)
  --leader-elect BOOL       campaign for the leader Lease (default true)
  --identity ID             leader identity (default: pod name + random suffix)
  --metrics-port N          metrics, health and the scaler's HTTP twin (default 8080)
  --scaler-port N           KEDA external scaler gRPC port (default 9090; 0 disables)
  --webhook-port N          admission webhook HTTPS port (default 9443; 0 disables)
  --reservations-port N     reservation API HTTPS port (default 8443; 0 disables)
  --tls-secret NAME         Secret holding the operator-made CA and serving certificate (default podpool-tls)
  --webhook-config NAME     MutatingWebhookConfiguration whose caBundle the operator keeps current (default podpool)
  --service-names A,B       Services the serving certificate covers (default podpool-webhook,podpool-reservations)
  --tls-extra-names A,B     extra DNS names or IPv4 addresses for the certificate (e.g. 127.0.0.1)
  --cert-validity D         lifetime of the operator-made serving certificate (default 90d; units ms, s, m, h, d)
  --ca-validity D           lifetime of the operator-made CA (default 1825d; at least --cert-validity)
  --cert-check-interval D   how often the Secret is checked for renewal (default 1h, at most a sixth of --cert-validity);
                            certificates renew once a third of their life is left
  --scaler-tls-cert-file F  serve the scaler's gRPC over TLS with this certificate (and --scaler-tls-key-file)
  --scaler-tls-client-ca-file F  require client certificates signed by this CA (mutual TLS)
  --cert-dir DIR            serve tls.crt/tls.key from DIR (cert-manager) instead of the Secret
  --bind-address ADDR       address to listen on (default 0.0.0.0)
  --workers N               reconcile workers (default 4)`;

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new PodpoolError('InvalidArgument', `${flag} must be a port number, got ${value}`);
  return n;
}

const list = (value: string | undefined, fallback: string[]): string[] =>
  value === undefined
    ? fallback
    : value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');

export async function operatorCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, HELP, {
    kubeconfig: { type: 'string' },
    namespace: { type: 'string' },
    'leader-elect': { type: 'string' },
    identity: { type: 'string' },
    'metrics-port': { type: 'string' },
    'scaler-port': { type: 'string' },
    'webhook-port': { type: 'string' },
    'reservations-port': { type: 'string' },
    'tls-secret': { type: 'string' },
    'webhook-config': { type: 'string' },
    'service-names': { type: 'string' },
    'tls-extra-names': { type: 'string' },
    'cert-validity': { type: 'string' },
    'ca-validity': { type: 'string' },
    'cert-check-interval': { type: 'string' },
    'cert-dir': { type: 'string' },
    'scaler-tls-cert-file': { type: 'string' },
    'scaler-tls-key-file': { type: 'string' },
    'scaler-tls-client-ca-file': { type: 'string' },
    'bind-address': { type: 'string' },
    workers: { type: 'string' },
  });
  if (parsed === undefined) return 0;
  const { values } = parsed;
  const namespace = values.namespace ?? process.env.POD_NAMESPACE ?? 'podpool-system';
  const webhookPort = port(values['webhook-port'], 9443, '--webhook-port');
  const timing = certificateTiming({
    certValidity: values['cert-validity'],
    caValidity: values['ca-validity'],
    checkInterval: values['cert-check-interval'],
  });
  const certificates: CertificateSource =
    values['cert-dir'] !== undefined
      ? { kind: 'directory', directory: values['cert-dir'] }
      : {
          kind: 'secret',
          namespace,
          secretName: values['tls-secret'] ?? 'podpool-tls',
          webhookConfigurationName: webhookPort > 0 ? (values['webhook-config'] ?? DEFAULT_CONFIGURATION_NAME) : undefined,
          serviceNames: list(values['service-names'], ['podpool-webhook', 'podpool-reservations']),
          extraNames: list(values['tls-extra-names'], []),
          lifetimes: timing.lifetimes,
          checkIntervalMs: timing.checkIntervalMs,
        };
  let scalerTls: ScalerTls | undefined;
  if (values['scaler-tls-cert-file'] !== undefined || values['scaler-tls-key-file'] !== undefined) {
    if (values['scaler-tls-cert-file'] === undefined || values['scaler-tls-key-file'] === undefined) {
      throw new PodpoolError('InvalidArgument', '--scaler-tls-cert-file and --scaler-tls-key-file go together');
    }
    scalerTls = {
      certPem: readFileSync(values['scaler-tls-cert-file'], 'utf8'),
      keyPem: readFileSync(values['scaler-tls-key-file'], 'utf8'),
      clientCaPem:
        values['scaler-tls-client-ca-file'] === undefined ? undefined : readFileSync(values['scaler-tls-client-ca-file'], 'utf8'),
    };
  }
  const workers = Number(values.workers ?? 4);
  if (!Number.isInteger(workers) || workers < 1)
    throw new PodpoolError('InvalidArgument', `--workers must be a positive integer, got ${values.workers}`);
  const operator = await startOperator(
    {
      kubeconfigPath: values.kubeconfig ?? process.env.KUBECONFIG,
      namespace,
      leaseName: 'podpool-controller',
      identity: values.identity ?? defaultIdentity(),
      leaderElect: (values['leader-elect'] ?? 'true') !== 'false',
      metricsPort: port(values['metrics-port'], 8080, '--metrics-port'),
      scalerPort: port(values['scaler-port'], 9090, '--scaler-port'),
      scalerTls,
      webhookPort,
      reservationsPort: port(values['reservations-port'], 8443, '--reservations-port'),
      certificates,
      bindAddress: values['bind-address'] ?? '0.0.0.0',
      workers,
    },
    logger,
  );
  await new Promise<void>((resolve) => {
    const shutdown = (): void => void operator.stop().then(resolve);
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
  return 0;
}
