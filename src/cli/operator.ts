import { parseArgs } from 'node:util';
import { PodpoolError } from '../errors.js';
import { logger } from '../log.js';
import { defaultIdentity, startOperator } from '../operator.js';

const HELP = `usage: podpool operator [options]

Runs the controller (leader only), the KEDA scaler, the admission webhook and the reservation API.
  --kubeconfig FILE        kubeconfig (default: $KUBECONFIG, else in-cluster)
  --namespace NS           namespace of the leader Lease (default: $POD_NAMESPACE or podpool-system)
  --leader-elect BOOL      campaign for the leader Lease (default true)
  --identity ID            leader identity (default: pod name + random suffix)
  --metrics-port N         metrics and health port (default 8080)
  --bind-address ADDR      address to listen on (default 0.0.0.0)
  --workers N              reconcile workers (default 4)`;

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new PodpoolError('InvalidArgument', `${flag} must be a port number, got ${value}`);
  return n;
}

export async function operatorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'leader-elect': { type: 'string' },
      identity: { type: 'string' },
      'metrics-port': { type: 'string' },
      'bind-address': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const leaderElect = (values['leader-elect'] ?? 'true') !== 'false';
  const operator = await startOperator(
    {
      kubeconfigPath: values.kubeconfig ?? process.env.KUBECONFIG,
      namespace: values.namespace ?? process.env.POD_NAMESPACE ?? 'podpool-system',
      leaseName: 'podpool-controller',
      identity: values.identity ?? defaultIdentity(),
      leaderElect,
      metricsPort: port(values['metrics-port'], 8080, '--metrics-port'),
      bindAddress: values['bind-address'] ?? '0.0.0.0',
      workers: Number(values.workers ?? 4),
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
