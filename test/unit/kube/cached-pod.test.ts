import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { POOL_LABEL, RESERVED_AT_ANNOTATION, STATE_LABEL } from '../../../src/api/labels.js';
import { cachedPod } from '../../../src/kube/cached-pod.js';
import { podView } from '../../../src/pool/pod-view.js';
import { isReservable, reservationOf } from '../../../src/reservations/reservation.js';

const created = new Date('2026-12-01T10:00:00Z');
const ready = new Date('2026-12-01T10:01:30Z');

/** A pool pod as the API server sends it, with the bulk the operator never reads. */
function fullPod(state: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'sandboxes-x7k2p',
      generateName: 'sandboxes-',
      namespace: 'team-a',
      uid: '6f1c',
      resourceVersion: '4711',
      creationTimestamp: created,
      labels: { [POOL_LABEL]: 'sandboxes', [STATE_LABEL]: state, app: 'sandbox' },
      annotations: { [RESERVED_AT_ANNOTATION]: ready.toISOString() },
      ownerReferences: [{ apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', name: 'sandboxes', uid: 'p1', controller: true }],
      managedFields: [{ manager: 'podpool', operation: 'Update', fieldsV1: { 'f:metadata': {} } }],
    },
    spec: {
      nodeName: 'kwok-node-0',
      containers: [{ name: 'sandbox', image: 'sandbox:1.4.2', env: [{ name: 'A', value: 'b' }] }],
      volumes: [{ name: 'workspace', emptyDir: {} }],
      tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists' }],
    },
    status: {
      phase: 'Running',
      podIP: '10.0.0.7',
      podIPs: [{ ip: '10.0.0.7' }],
      hostIP: '192.168.0.2',
      startTime: created,
      qosClass: 'Burstable',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: created },
        { type: 'Ready', status: 'True', lastTransitionTime: ready },
      ],
      containerStatuses: [{ name: 'sandbox', image: 'sandbox:1.4.2', imageID: 'x', ready: true, restartCount: 0 }],
    },
  };
}

describe('cachedPod', () => {
  it.each(['ready', 'warming', 'reserved'])('keeps everything the controller and the reservations read of a %s pod', (state) => {
    const pod = fullPod(state);
    const slim = cachedPod(pod);
    expect(podView(slim)).toEqual(podView(pod));
    expect(isReservable(slim)).toBe(isReservable(pod));
    expect(reservationOf(slim)).toEqual(reservationOf(pod));
    expect(slim.metadata).toMatchObject({ uid: '6f1c', resourceVersion: '4711', ownerReferences: pod.metadata?.ownerReferences });
  });

  it('drops the containers, volumes, container statuses and managedFields', () => {
    const slim = cachedPod(fullPod('ready'));
    expect(slim.metadata).not.toHaveProperty('managedFields');
    expect(slim.spec).toEqual({ nodeName: 'kwok-node-0', containers: [] });
    expect(Object.keys(slim.status ?? {}).sort()).toEqual(['conditions', 'phase', 'podIP', 'podIPs', 'startTime']);
    expect(JSON.stringify(slim).length).toBeLessThan(JSON.stringify(fullPod('ready')).length * 0.7);
  });

  it('keeps no keys for fields the pod does not have', () => {
    const slim = cachedPod({ metadata: { name: 'bare' } });
    expect(slim).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare' } });
  });
});
