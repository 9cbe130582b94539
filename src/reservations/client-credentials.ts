/**
 * How the CLI reaches the reservations API as the kubeconfig's user: the server URL from
 * `--server` or PODPOOL_RESERVATIONS_URL, the bearer token from the current kubeconfig user
 * (a static token, or what an exec / auth-provider plugin yields). A client-certificate user has
 * no token to forward; such users pass one with `--token` or PODPOOL_TOKEN (e.g. `kubectl create token`).
 */
import { readFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConnectionReusingKubeConfig } from '../kube/kube-config.js';
import { errorMessage, PodpoolError } from '../errors.js';
import { ReservationsClient } from './client.js';

export const RESERVATIONS_URL_ENV = 'PODPOOL_RESERVATIONS_URL';
export const TOKEN_ENV = 'PODPOOL_TOKEN';
export const CA_FILE_ENV = 'PODPOOL_RESERVATIONS_CA_FILE';

export interface ConnectionFlags {
  server?: string | undefined;
  token?: string | undefined;
  caFile?: string | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
}

export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new ConnectionReusingKubeConfig();
  try {
    kubeConfig.loadFromDefault();
  } catch (error) {
    throw new PodpoolError('InvalidArgument', `cannot load the kubeconfig: ${errorMessage(error)}`, { cause: error });
  }
  return kubeConfig;
}

export function defaultNamespace(kubeConfig: KubeConfig): string {
  return kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || 'default';
}

async function kubeConfigToken(kubeConfig: KubeConfig): Promise<string | undefined> {
  const options: { headers?: Record<string, string> } = {};
  try {
    await kubeConfig.applyToHTTPSOptions(options);
  } catch (error) {
    throw new PodpoolError('Unauthenticated', `cannot get credentials from the kubeconfig: ${errorMessage(error)}`, { cause: error });
  }
  return /^Bearer\s+(\S+)/i.exec(options.headers?.Authorization ?? options.headers?.authorization ?? '')?.[1];
}

export async function reservationsClient(flags: ConnectionFlags, kubeConfig: KubeConfig): Promise<ReservationsClient> {
  const server = flags.server ?? process.env[RESERVATIONS_URL_ENV];
  if (!server) throw new PodpoolError('InvalidArgument', `give the reservations server with --server URL or ${RESERVATIONS_URL_ENV}`);
  const token = flags.token ?? process.env[TOKEN_ENV] ?? (await kubeConfigToken(kubeConfig));
  if (!token) {
    throw new PodpoolError(
      'Unauthenticated',
      `the kubeconfig user ${JSON.stringify(kubeConfig.getCurrentUser()?.name ?? '')} has no bearer token (client certificates cannot be forwarded); ` +
        `pass one with --token or ${TOKEN_ENV}, e.g. from \`kubectl create token <serviceaccount>\``,
    );
  }
  const caFile = flags.caFile ?? process.env[CA_FILE_ENV];
  let ca: Buffer | undefined;
  if (caFile) {
    try {
      ca = await readFile(caFile);
    } catch (error) {
      throw new PodpoolError('InvalidArgument', `cannot read ${caFile}: ${errorMessage(error)}`, { cause: error });
    }
  }
  return new ReservationsClient({ baseUrl: server, token, ca, insecureSkipTlsVerify: flags.insecureSkipTlsVerify });
}

export const CONNECTION_HELP = `  --server URL               reservations server (default: $${RESERVATIONS_URL_ENV})
  --token TOKEN              bearer token (default: $${TOKEN_ENV}, else the current kubeconfig user's token)
  --ca-file FILE             CA bundle of the server's certificate (default: $${CA_FILE_ENV}, else system CAs)
  --insecure-skip-tls-verify do not verify the server's certificate (testing only)`;

export const CONNECTION_OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  'ca-file': { type: 'string' },
  'insecure-skip-tls-verify': { type: 'boolean' },
} as const;
