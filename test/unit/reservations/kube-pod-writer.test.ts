import { ApiException, type CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KubeReservationPodWriter } from '../../../src/reservations/kube-pod-writer.js';

const WRITE = {
  namespace: 'team-a',
  podName: 'p',
  resourceVersion: '7',
  user: 'alice',
  caller: 'system:serviceaccount:team-a:frontend',
  reservedAt: '2026-01-01T00:00:00.000Z',
};

function podApi(fail?: number) {
  const calls: Array<{ method: string; param: Record<string, unknown>; options?: unknown }> = [];
  const respond = async (method: string, param: Record<string, unknown>, options?: unknown) => {
    calls.push({ method, param, options });
    if (fail !== undefined) throw new ApiException(fail, 'HTTP error', {}, {});
    return { metadata: { name: 'p' } };
  };
  const api = {
    patchNamespacedPod: (param: Record<string, unknown>, options?: unknown) => respond('patch', param, options),
    readNamespacedPod: (param: Record<string, unknown>) => respond('read', param),
    deleteNamespacedPod: (param: Record<string, unknown>) => respond('delete', param),
  } as unknown as Pick<CoreV1Api, 'patchNamespacedPod' | 'readNamespacedPod' | 'deleteNamespacedPod'>;
  return { api, calls };
}

describe('KubeReservationPodWriter', () => {
  it('sends one merge patch carrying the resourceVersion', async () => {
    const { api, calls } = podApi();
    expect(await new KubeReservationPodWriter(api).reserve(WRITE)).toMatchObject({ kind: 'reserved' });
    expect(calls[0]!.param).toMatchObject({
      name: 'p',
      namespace: 'team-a',
      body: { metadata: { resourceVersion: '7', ownerReferences: null } },
    });
    const headers: Record<string, string> = {};
    const { middleware } = calls[0]!.options as { middleware: Array<{ pre: (context: unknown) => unknown }> };
    for (const step of middleware) step.pre({ setHeaderParam: (key: string, value: string) => (headers[key] = value) });
    expect(headers).toEqual({ 'Content-Type': 'application/merge-patch+json' });
  });

  it('maps 409 to a conflict and 404 to a gone pod', async () => {
    expect(await new KubeReservationPodWriter(podApi(409).api).reserve(WRITE)).toEqual({ kind: 'conflict' });
    expect(await new KubeReservationPodWriter(podApi(404).api).reserve(WRITE)).toEqual({ kind: 'gone' });
    expect(await new KubeReservationPodWriter(podApi(404).api).read('team-a', 'p')).toBeUndefined();
  });

  it('makes API server trouble Unavailable and a missing permission Internal', async () => {
    await expect(new KubeReservationPodWriter(podApi(503).api).reserve(WRITE)).rejects.toMatchObject({ code: 'Unavailable' });
    await expect(new KubeReservationPodWriter(podApi(403).api).reserve(WRITE)).rejects.toMatchObject({ code: 'Internal' });
  });

  it('reads back a write whose answer was lost, and hands over the pod if the write landed', async () => {
    const landed = {
      metadata: {
        name: 'p',
        labels: { 'podpool.dev/state': 'reserved' },
        annotations: {
          'podpool.dev/reserved-by': 'alice',
          'podpool.dev/reserved-by-caller': WRITE.caller,
          'podpool.dev/reserved-at': WRITE.reservedAt,
        },
      },
    };
    const api = (readBack: unknown) =>
      ({
        patchNamespacedPod: async () => Promise.reject(new TypeError('fetch failed: socket hang up')),
        readNamespacedPod: async () => readBack,
        deleteNamespacedPod: async () => ({}),
      }) as unknown as Pick<CoreV1Api, 'patchNamespacedPod' | 'readNamespacedPod' | 'deleteNamespacedPod'>;
    expect(await new KubeReservationPodWriter(api(landed)).reserve(WRITE)).toEqual({ kind: 'reserved', pod: landed });
    const someoneElse = structuredClone(landed);
    someoneElse.metadata.annotations['podpool.dev/reserved-by'] = 'bob';
    await expect(new KubeReservationPodWriter(api(someoneElse)).reserve(WRITE)).rejects.toMatchObject({ code: 'Unavailable' });
    const anotherCaller = structuredClone(landed);
    anotherCaller.metadata.annotations['podpool.dev/reserved-by-caller'] = 'system:serviceaccount:team-a:other';
    await expect(new KubeReservationPodWriter(api(anotherCaller)).reserve(WRITE)).rejects.toMatchObject({ code: 'Unavailable' });
    await expect(new KubeReservationPodWriter(api({ metadata: { name: 'p', labels: {} } })).reserve(WRITE)).rejects.toMatchObject({
      code: 'Unavailable',
    });
  });

  it('deletes only the pod with the reserved uid', async () => {
    const { api, calls } = podApi();
    expect(await new KubeReservationPodWriter(api).delete('team-a', 'p', 'uid-1')).toBe('deleted');
    expect(calls[0]!.param).toMatchObject({ body: { preconditions: { uid: 'uid-1' } } });
    expect(await new KubeReservationPodWriter(podApi(409).api).delete('team-a', 'p', 'uid-1')).toBe('gone');
  });
});
