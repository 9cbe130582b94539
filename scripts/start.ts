/**
 * `npm start`: with a KUBECONFIG (or ~/.kube/config) pointing at a cluster, runs the operator
 * against it. Without one, starts the local control plane (see dev/cluster), installs the CRD,
 * applies examples/podpool.yaml, runs the operator against it and prints how to watch.
 *
 * `npm start -- --keda` also starts the real KEDA (operator and metrics adapter, built once from
 * Go modules) and applies examples/scaledobject-external.yaml, so KEDA's HPA drives the pool.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, KubeConfig } from '@kubernetes/client-node';
import { logger } from '../src/log.js';
import { defaultIdentity, startOperator } from '../src/operator.js';
import { installCrds, startControlPlane, type ControlPlane } from '../dev/cluster/control-plane.js';
import { pointAtLoopbackScaler, startKeda } from '../dev/cluster/keda.js';
import { applyWebhookConfiguration, DEFAULT_CONFIGURATION_NAME, webhookConfiguration } from '../src/webhook/index.js';

const withKeda = process.argv.includes('--keda');
const configured =
  process.env.KUBECONFIG ?? (existsSync(join(homedir(), '.kube', 'config')) ? join(homedir(), '.kube', 'config') : undefined);
if (withKeda && configured !== undefined) {
  console.error(
    '--keda starts KEDA beside the local control plane; with a KUBECONFIG install KEDA in that cluster instead (see the README)',
  );
  process.exit(2);
}
const stops: (() => Promise<void>)[] = [];
let kubeconfigPath = configured;
let plane: ControlPlane | undefined;
const metricsPort = Number(process.env.METRICS_PORT ?? 8080);
const scalerPort = Number(process.env.SCALER_PORT ?? 9090);
const webhookPort = Number(process.env.WEBHOOK_PORT ?? 9443);
const namespace = process.env.POD_NAMESPACE ?? 'podpool-system';

if (kubeconfigPath === undefined) {
  plane = await startControlPlane();
  stops.unshift(plane.stop);
  kubeconfigPath = plane.kubeconfigPath;
  installCrds(plane);
  plane.kubectl(['create', 'namespace', 'podpool-system']);
  plane.kubectl(['apply', '-f', 'examples/podpool.yaml']);
  // The example starts spec.replicas for KEDA's /scale; without KEDA the controller follows the engine.
  if (!withKeda)
    plane.kubectl(['patch', 'pp', 'sandboxes', '-n', 'default', '--type=json', '-p', '[{"op":"remove","path":"/spec/replicas"}]']);
  if (withKeda) stops.unshift((await startKeda(plane)).stop);
  // The local API server runs on loopback, so it can call the webhook there; the operator fills
  // in the caBundle as it does for the chart's Service-routed configuration.
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  await applyWebhookConfiguration(
    kubeConfig.makeApiClient(AdmissionregistrationV1Api),
    webhookConfiguration({ target: { url: `https://127.0.0.1:${webhookPort}` }, operatorNamespace: namespace }),
  );
}

const operator = await startOperator(
  {
    kubeconfigPath,
    namespace,
    leaseName: 'podpool-controller',
    identity: defaultIdentity(),
    leaderElect: true,
    metricsPort,
    bindAddress: '127.0.0.1',
    workers: 4,
    scalerPort,
    // Against another cluster its API server cannot reach this process's loopback webhook.
    webhookPort: plane === undefined ? 0 : webhookPort,
    reservationsPort: Number(process.env.RESERVATIONS_PORT ?? 8443),
    certificates: {
      kind: 'secret',
      namespace,
      secretName: 'podpool-tls',
      serviceNames: ['podpool-reservations'],
      extraNames: ['localhost', '127.0.0.1'],
      webhookConfigurationName: plane === undefined ? undefined : DEFAULT_CONFIGURATION_NAME,
    },
  },
  logger,
);

if (plane !== undefined) {
  if (withKeda)
    plane.kubectl(
      ['apply', '-f', '-'],
      pointAtLoopbackScaler(readFileSync('examples/scaledobject-external.yaml', 'utf8'), { scalerPort, metricsPort }),
    );
  const watch = withKeda ? 'kubectl get scaledobject,hpa,pp -w' : 'kubectl get pp -w';
  console.log(
    `\nLocal control plane is up${withKeda ? ', with KEDA driving the pool' : ''}; the admission webhook on https://127.0.0.1:${webhookPort} admits the pool's pods (MutatingWebhookConfiguration ${DEFAULT_CONFIGURATION_NAME}; podpool_admission_requests_total counts them). In another terminal:\n\n  export KUBECONFIG=${plane.kubeconfigPath}\n  export PATH=${plane.binDir}:$PATH\n  ${watch}\n  kubectl get pods -l podpool.dev/pool=sandboxes -w\n`,
  );
}

const shutdown = async (): Promise<void> => {
  await operator.stop();
  for (const stop of stops) await stop();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
