import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { NODE_LEASE_DURATION_SECONDS } from '../../dev/cluster/control-plane.js';
import { adminKubeConfig } from './support/cluster.js';

// kube-controller-manager's --node-monitor-grace-period default (50 s) plus a margin: a node
// without a renewed Lease is marked NotReady within this time of the nodes turning Ready.
const NODE_MONITOR_GRACE_MS = 50_000;
const MARGIN_MS = 15_000;

describe('the kwok fake nodes', () => {
  it(
    'keep renewed Leases and stay Ready past the node monitor grace period',
    async () => {
      const kc = adminKubeConfig();
      const wait = inject('controlPlaneReadyAt') + NODE_MONITOR_GRACE_MS + MARGIN_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));

      const nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
      expect(nodes.length).toBeGreaterThan(0);
      const leases = await kc.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: 'kube-node-lease' });
      const leaseByNode = new Map(leases.items.map((lease) => [lease.metadata?.name, lease]));
      for (const node of nodes) {
        const name = node.metadata?.name ?? '';
        const lease = leaseByNode.get(name);
        // kwok holds every node's Lease under its own identity.
        expect(lease?.spec?.holderIdentity, `the Lease of node ${name}`).toMatch(/\S/);
        expect(lease?.spec?.leaseDurationSeconds).toBe(NODE_LEASE_DURATION_SECONDS);
        const renewedAgoMs = Date.now() - new Date(lease?.spec?.renewTime ?? 0).getTime();
        expect(renewedAgoMs, `node ${name}'s Lease renewed within its duration`).toBeLessThan(NODE_LEASE_DURATION_SECONDS * 1000);
        const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
        expect(ready?.status, `node ${name} Ready`).toBe('True');
        // Ready since the node was initialised: it never went NotReady and back.
        expect(new Date(ready?.lastTransitionTime ?? 0).getTime()).toBeLessThanOrEqual(inject('controlPlaneReadyAt'));
      }
      const notReady = await kc.makeApiClient(CoreV1Api).listEventForAllNamespaces({ fieldSelector: 'reason=NodeNotReady' });
      expect(notReady.items.map((event) => `${event.involvedObject.name}: ${event.message}`)).toEqual([]);
    },
    NODE_MONITOR_GRACE_MS + MARGIN_MS + 30_000,
  );
});
