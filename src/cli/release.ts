import { CoreV1Api } from '@kubernetes/client-node';
import { POOL_LABEL } from '../api/labels.js';
import { errorMessage, PodpoolError } from '../errors.js';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  defaultNamespace,
  loadKubeConfig,
  reservationsClient,
} from '../reservations/client-credentials.js';
import { parseCommand } from './args.js';

const HELP = `usage: podpool release <pod> [<pool>] [-n NAMESPACE] [--server URL]

Ends a reservation: the reserved pod is deleted. Only the caller that reserved it may, or one
that RBAC grants release-any on podpools/reservations.
  <pool>                     the pod's pool (default: read from the pod's ${POOL_LABEL} label)
  -n, --namespace NS         the namespace (default: the kubeconfig context's, else default)
  --pool POOL                same as <pool>
${CONNECTION_HELP}`;

async function poolOfPod(kubeConfig: ReturnType<typeof loadKubeConfig>, namespace: string, pod: string): Promise<string> {
  let labels: Record<string, string> | undefined;
  try {
    labels = (await kubeConfig.makeApiClient(CoreV1Api).readNamespacedPod({ name: pod, namespace })).metadata?.labels;
  } catch (error) {
    throw new PodpoolError(
      'InvalidArgument',
      `cannot read pod ${namespace}/${pod} to find its pool (${errorMessage(error)}); give the pool`,
      { cause: error },
    );
  }
  const pool = labels?.[POOL_LABEL];
  if (!pool) throw new PodpoolError('NotFound', `pod ${namespace}/${pod} has no ${POOL_LABEL} label; it is not a pool pod`);
  return pool;
}

export async function releaseCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    HELP,
    {
      namespace: { type: 'string', short: 'n' },
      pool: { type: 'string' },
      ...CONNECTION_OPTIONS,
    },
    2,
  );
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const [pod, positionalPool] = positionals;
  if (pod === undefined) throw new PodpoolError('InvalidArgument', `give a pod name and optionally its pool\n\n${HELP}`);
  if (values.pool !== undefined && positionalPool !== undefined && values.pool !== positionalPool) {
    throw new PodpoolError('InvalidArgument', `the pool is given twice: ${positionalPool} and --pool ${values.pool}`);
  }
  const kubeConfig = loadKubeConfig();
  const namespace = values.namespace ?? defaultNamespace(kubeConfig);
  const client = await reservationsClient(
    { server: values.server, token: values.token, caFile: values['ca-file'], insecureSkipTlsVerify: values['insecure-skip-tls-verify'] },
    kubeConfig,
  );
  const pool = values.pool ?? positionalPool ?? (await poolOfPod(kubeConfig, namespace, pod));
  const released = await client.release(namespace, pool, pod);
  console.log(JSON.stringify(released, null, 2));
  return 0;
}
