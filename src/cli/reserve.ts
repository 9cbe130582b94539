import { PodpoolError } from '../errors.js';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  defaultNamespace,
  loadKubeConfig,
  reservationsClient,
} from '../reservations/client-credentials.js';
import { MAX_TTL_SECONDS, MAX_WAIT_SECONDS, parseWait } from '../reservations/request-body.js';
import { parseCommand } from './args.js';

const HELP = `usage: podpool reserve <pool> [-n NAMESPACE] --user USER [--ttl SECONDS] [--wait 30s] [--server URL]

Reserves one ready pod of the pool for USER and prints the reservation as JSON.
  -n, --namespace NS         the pool's namespace (default: the kubeconfig context's, else default)
  --user USER                who the pod is for (recorded in podpool.dev/reserved-by)
  --ttl SECONDS              end the reservation after this many seconds (at most ${MAX_TTL_SECONDS})
  --wait DURATION            wait up to DURATION (e.g. 30s, at most ${MAX_WAIT_SECONDS}s) for a ready pod
${CONNECTION_HELP}`;

function parseTtl(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ttl = Number(value);
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS) {
    throw new PodpoolError('InvalidArgument', `--ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}`);
  }
  return ttl;
}

export async function reserveCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    HELP,
    {
      namespace: { type: 'string', short: 'n' },
      user: { type: 'string' },
      ttl: { type: 'string' },
      wait: { type: 'string' },
      ...CONNECTION_OPTIONS,
    },
    1,
  );
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const [pool] = positionals;
  if (pool === undefined) throw new PodpoolError('InvalidArgument', `give exactly one pool name\n\n${HELP}`);
  if (!values.user) throw new PodpoolError('InvalidArgument', `--user is required\n\n${HELP}`);
  const ttlSeconds = parseTtl(values.ttl);
  const waitMs = parseWait(values.wait);
  const kubeConfig = loadKubeConfig();
  const namespace = values.namespace ?? defaultNamespace(kubeConfig);
  const client = await reservationsClient(
    { server: values.server, token: values.token, caFile: values['ca-file'], insecureSkipTlsVerify: values['insecure-skip-tls-verify'] },
    kubeConfig,
  );
  const reservation = await client.reserve(
    namespace,
    pool,
    { user: values.user, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) },
    waitMs > 0 ? waitMs / 1000 : undefined,
  );
  console.log(JSON.stringify(reservation, null, 2));
  return 0;
}
