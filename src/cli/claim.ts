import type { PodPoolClaim, PodPoolClaimSpec } from '../api/claim-schema.js';
import { MAX_CLAIM_TTL_SECONDS } from '../api/claim-schema.js';
import { ClaimClient } from '../claims/client.js';
import { PodpoolError } from '../errors.js';
import { defaultNamespace, loadKubeConfig } from '../reservations/client-credentials.js';
import { parseWait } from '../reservations/request-body.js';
import { parseCommand } from './args.js';

const DEFAULT_WAIT = '60s';
const MAX_WAIT_SECONDS = 3600;

const HELP = `usage: podpool claim <pool> [-n NAMESPACE] [--name NAME] [--user USER] [--ttl SECONDS]
                     [-l KEY=VALUE]... [--annotation KEY=VALUE]... [--wait 60s] [--keep]

Creates a PodPoolClaim for one ready pod of the pool, as the kubeconfig's user (Kubernetes RBAC
decides: create on podpoolclaims in the namespace), waits until it is Bound and prints the claim
as JSON (name, phase, pod, IP, node). End the session with
  kubectl delete podpoolclaim NAME -n NAMESPACE      (the pod is deleted with the claim)

  -n, --namespace NS         the pool's namespace (default: the kubeconfig context's, else default)
  --name NAME                the claim's name (default: generated, <pool>-xxxxx)
  --user USER                who the pod is for (podpool.dev/reserved-by; default the claim's name)
  --ttl SECONDS              end the session after this many seconds (at most ${MAX_CLAIM_TTL_SECONDS})
  -l, --label KEY=VALUE      a label put on the pod at hand-over (repeatable)
  --annotation KEY=VALUE     an annotation put on the pod at hand-over (repeatable)
  --wait DURATION            how long to wait for Bound (default ${DEFAULT_WAIT}, at most ${MAX_WAIT_SECONDS}s; 0: do not wait)
  --keep                     when the wait ends first, leave the claim Pending (default: delete it,
                             so no pod is bound later to a session nobody waits for)

Exit status: 0 when the claim is Bound (or created, with --wait 0), 1 otherwise.`;

function parseTtl(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ttl = Number(value);
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_CLAIM_TTL_SECONDS) {
    throw new PodpoolError('InvalidArgument', `--ttl must be a whole number of seconds from 1 to ${MAX_CLAIM_TTL_SECONDS}`);
  }
  return ttl;
}

/** KEY=VALUE flags as a map; undefined when none were given. */
export function parseKeyValues(values: readonly string[] | undefined, flag: string): Record<string, string> | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const entries = values.map((entry) => {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new PodpoolError('InvalidArgument', `${flag} ${JSON.stringify(entry)} is not KEY=VALUE`);
    return [entry.slice(0, equals), entry.slice(equals + 1)] as const;
  });
  return Object.fromEntries(entries);
}

/** What the command prints: the claim's identity and what it holds, flat. */
export function claimSummary(claim: PodPoolClaim): Record<string, unknown> {
  const condition = claim.status?.conditions?.find((c) => c.type === 'Bound');
  return {
    name: claim.metadata.name,
    namespace: claim.metadata.namespace,
    pool: claim.spec.poolName,
    phase: claim.status?.phase ?? 'Pending',
    podName: claim.status?.podName,
    podIP: claim.status?.podIP,
    nodeName: claim.status?.nodeName,
    boundTime: claim.status?.boundTime,
    reason: condition?.reason,
    message: condition?.message,
  };
}

export async function claimCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    HELP,
    {
      namespace: { type: 'string', short: 'n' },
      name: { type: 'string' },
      user: { type: 'string' },
      ttl: { type: 'string' },
      label: { type: 'string', short: 'l', multiple: true },
      annotation: { type: 'string', multiple: true },
      wait: { type: 'string' },
      keep: { type: 'boolean' },
    },
    1,
  );
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const [pool] = positionals;
  if (pool === undefined) throw new PodpoolError('InvalidArgument', `give exactly one pool name\n\n${HELP}`);
  const ttlSeconds = parseTtl(values.ttl);
  const waitMs = parseWait(values.wait ?? DEFAULT_WAIT, MAX_WAIT_SECONDS);
  const podLabels = parseKeyValues(values.label, '--label');
  const podAnnotations = parseKeyValues(values.annotation, '--annotation');
  const spec: PodPoolClaimSpec = {
    poolName: pool,
    ...(values.user === undefined ? {} : { user: values.user }),
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    ...(podLabels === undefined ? {} : { podLabels }),
    ...(podAnnotations === undefined ? {} : { podAnnotations }),
  };

  const kubeConfig = loadKubeConfig();
  const namespace = values.namespace ?? defaultNamespace(kubeConfig);
  const client = new ClaimClient(kubeConfig);
  const created = await client.create({ namespace, name: values.name, spec });
  if (waitMs === 0) {
    console.log(JSON.stringify(claimSummary(created), null, 2));
    return 0;
  }
  const wait = await client.waitUntilSettled(created, waitMs);
  const name = created.metadata.name ?? '';
  if (wait.kind === 'deleted') throw new PodpoolError('NotFound', `PodPoolClaim ${namespace}/${name} was deleted before it was bound`);
  if (wait.kind === 'pending') {
    if (values.keep !== true) await client.delete(namespace, name);
    const fate = values.keep === true ? 'left Pending (--keep)' : 'deleted';
    throw new PodpoolError(
      'Unavailable',
      `no ready pod of podpool ${namespace}/${pool} within ${waitMs / 1000}s; the claim ${name} was ${fate}`,
    );
  }
  console.log(JSON.stringify(claimSummary(wait.claim), null, 2));
  if (wait.claim.status?.phase === 'Bound') return 0;
  console.error(`podpool claim: ${name} is ${wait.claim.status?.phase}: ${claimSummary(wait.claim).message ?? ''}`);
  return 1;
}
