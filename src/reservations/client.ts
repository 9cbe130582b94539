/** A small client of the reservations API, used by the `podpool reserve` and `release` commands. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errorMessage, PodpoolError, type ErrorCode } from '../errors.js';
import type { Reservation } from './reservation.js';

export interface ReservationsClientOptions {
  /** Base URL of the reservations server, e.g. https://podpool.podpool-system.svc:8443 */
  baseUrl: string;
  /** A Kubernetes bearer token. */
  token: string;
  /** PEM CA bundle that signed the server's certificate (default: the system CAs). */
  ca?: string | Buffer | undefined;
  insecureSkipTlsVerify?: boolean;
  /** Per request, on top of any `wait`. */
  timeoutMs?: number;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'InvalidArgument',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'InvalidArgument',
  503: 'Unavailable',
};

export class ReservationsClient {
  private readonly baseUrl: URL;

  constructor(private readonly options: ReservationsClientOptions) {
    try {
      this.baseUrl = new URL(options.baseUrl);
    } catch {
      throw new PodpoolError('InvalidArgument', `${JSON.stringify(options.baseUrl)} is not a URL`);
    }
    if (this.baseUrl.protocol !== 'https:' && this.baseUrl.protocol !== 'http:') {
      throw new PodpoolError(
        'InvalidArgument',
        `the reservations URL must be https:// (or http:// for local tests), got ${options.baseUrl}`,
      );
    }
  }

  async reserve(
    namespace: string,
    pool: string,
    body: { user: string; ttlSeconds?: number },
    waitSeconds?: number,
  ): Promise<Reservation & { outcome: string }> {
    const query = waitSeconds === undefined ? '' : `?wait=${waitSeconds}s`;
    return (await this.send('POST', `${this.poolPath(namespace, pool)}${query}`, body, (waitSeconds ?? 0) * 1000)) as Reservation & {
      outcome: string;
    };
  }

  async release(namespace: string, pool: string, pod: string): Promise<Reservation> {
    return (await this.send('DELETE', `${this.poolPath(namespace, pool)}/${encodeURIComponent(pod)}`)) as Reservation;
  }

  async list(namespace: string, pool: string): Promise<Reservation[]> {
    return ((await this.send('GET', this.poolPath(namespace, pool))) as { items: Reservation[] }).items;
  }

  private poolPath(namespace: string, pool: string): string {
    return `/api/v1/namespaces/${encodeURIComponent(namespace)}/podpools/${encodeURIComponent(pool)}/reservations`;
  }

  private send(method: string, path: string, body?: unknown, extraTimeoutMs = 0): Promise<unknown> {
    const url = new URL(this.baseUrl.pathname.replace(/\/$/, '') + path, this.baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
          timeout: (this.options.timeoutMs ?? 30_000) + extraTimeoutMs,
          ...(url.protocol === 'https:' ? { ca: this.options.ca, rejectUnauthorized: !this.options.insecureSkipTlsVerify } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            if (status >= 200 && status < 300) return resolve(parsed);
            const message = (parsed as { message?: unknown } | undefined)?.message;
            const retryAfter = response.headers['retry-after'];
            const hint = retryAfter === undefined ? '' : ` (retry after ${retryAfter} s)`;
            reject(
              new PodpoolError(
                CODE_BY_STATUS[status] ?? 'Internal',
                `HTTP ${status}: ${typeof message === 'string' ? message : text.slice(0, 200)}${hint}`,
              ),
            );
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
      outgoing.on('error', (error) =>
        reject(new PodpoolError('Unavailable', `cannot reach ${this.baseUrl.origin}: ${errorMessage(error)}`, { cause: error })),
      );
      outgoing.end(payload);
    });
  }
}
