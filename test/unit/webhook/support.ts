import { request } from 'node:https';
import { API_GROUP_VERSION, KIND } from '../../../src/api/labels.js';
import type { PodPool, PodTemplate } from '../../../src/api/schema.js';
import type { PodPoolReader } from '../../../src/kube/pool-reader.js';
import { makeSpec } from '../support/spec.js';
import { poolKey } from '../../../src/api/pool-key.js';

export function makePool(
  namespace: string,
  name: string,
  podTemplate: PodTemplate = { spec: { containers: [{ name: 'c', image: 'busybox' }] } },
): PodPool {
  return { apiVersion: API_GROUP_VERSION, kind: KIND, metadata: { namespace, name }, spec: makeSpec({ podTemplate }) };
}

/** An in-memory PodPoolReader, standing in for the informer cache. */
export function poolReader(pools: PodPool[], synced = true): PodPoolReader {
  const byKey = new Map(pools.map((pool) => [poolKey(pool.metadata.namespace ?? '', pool.metadata.name ?? ''), pool]));
  return { getPool: (namespace, name) => byKey.get(poolKey(namespace, name)), hasSynced: () => synced };
}

export function review(pod: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      operation: 'CREATE',
      namespace: 'team-a',
      object: pod,
      oldObject: null,
      dryRun: false,
      ...overrides,
    },
  };
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request on a fresh connection (no agent), so each call does its own TLS handshake. */
export function httpsRequest(
  url: string,
  options: { ca: string; method?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', ca: options.ca, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
