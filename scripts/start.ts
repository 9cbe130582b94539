/**
 * `npm start`: with a KUBECONFIG (or ~/.kube/config) pointing at a cluster, runs the operator
 * against it. Without one, starts the local control plane (see test/cluster), installs the CRD,
 * applies examples/podpool.yaml, runs the operator against it and prints how to watch.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { logger } from '../src/log.js';
import { defaultIdentity, startOperator } from '../src/operator.js';
import { installPodPoolCrd, startControlPlane } from '../test/cluster/control-plane.js';

const configured = process.env.KUBECONFIG ?? (existsSync(join(homedir(), '.kube', 'config')) ? join(homedir(), '.kube', 'config') : undefined);
let stopPlane: (() => Promise<void>) | undefined;
let kubeconfigPath = configured;

if (kubeconfigPath === undefined) {
  const plane = await startControlPlane();
  stopPlane = plane.stop;
  kubeconfigPath = plane.kubeconfigPath;
  installPodPoolCrd(plane);
  plane.kubectl(['create', 'namespace', 'podpool-system']);
  plane.kubectl(['apply', '-f', 'examples/podpool.yaml']);
  console.log(`\nLocal control plane is up. In another terminal:\n\n  export KUBECONFIG=${plane.kubeconfigPath}\n  export PATH=${plane.binDir}:$PATH\n  kubectl get pp -w\n  kubectl get pods -l podpool.dev/pool=sandboxes -w\n`);
}

const operator = await startOperator(
  {
    kubeconfigPath,
    namespace: process.env.POD_NAMESPACE ?? 'podpool-system',
    leaseName: 'podpool-controller',
    identity: defaultIdentity(),
    leaderElect: true,
    metricsPort: Number(process.env.METRICS_PORT ?? 8080),
    bindAddress: '127.0.0.1',
    workers: 4,
    scalerPort: Number(process.env.SCALER_PORT ?? 9090),
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
const shutdown = async (): Promise<void> => {
  await operator.stop();
  await stopPlane?.();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
