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
import { logger } from '../src/log.js';
import { defaultIdentity, startOperator } from '../src/operator.js';
import { installCrds, startControlPlane, type ControlPlane } from '../dev/cluster/control-plane.js';
import { pointAtLoopbackScaler, startKeda } from '../dev/cluster/keda.js';

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
}

const operator = await startOperator(
  {
    kubeconfigPath,
    namespace: process.env.POD_NAMESPACE ?? 'podpool-system',
    leaseName: 'podpool-controller',
    identity: defaultIdentity(),
    leaderElect: true,
    metricsPort,
    bindAddress: '127.0.0.1',
    workers: 4,
    scalerPort,
    webhookPort: 0,
    reservationsPort: Number(process.env.RESERVATIONS_PORT ?? 8443),
    certificates: {
      kind: 'secret',
      namespace: process.env.POD_NAMESPACE ?? 'podpool-system',
      secretName: 'podpool-tls',
      serviceNames: ['podpool-reservations'],
      extraNames: ['localhost', '127.0.0.1'],
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
    `\nLocal control plane is up${withKeda ? ', with KEDA driving the pool' : ''}. In another terminal:\n\n  export KUBECONFIG=${plane.kubeconfigPath}\n  export PATH=${plane.binDir}:$PATH\n  ${watch}\n  kubectl get pods -l podpool.dev/pool=sandboxes -w\n`,
  );
}

const shutdown = async (): Promise<void> => {
  await operator.stop();
  for (const stop of stops) await stop();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
