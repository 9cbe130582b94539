import { describe, expect, it } from 'vitest';
import type { PodPoolClaim } from '../../../src/api/claim-schema.js';
import { claimManifest, isSettled } from '../../../src/claims/client.js';
import { claimSummary, parseKeyValues } from '../../../src/cli/claim.js';

const claim = (status?: PodPoolClaim['status']): PodPoolClaim => ({
  apiVersion: 'podpool.dev/v1alpha1',
  kind: 'PodPoolClaim',
  metadata: { name: 'c1', namespace: 'team-a' },
  spec: { poolName: 'sandboxes' },
  ...(status === undefined ? {} : { status }),
});

describe('podpool claim', () => {
  it('reads repeated KEY=VALUE flags, values may hold "=", and refuses an entry without a key', () => {
    expect(parseKeyValues(undefined, '--label')).toBeUndefined();
    expect(parseKeyValues(['a=1', 'b=x=y', 'c='], '--label')).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(() => parseKeyValues(['=1'], '--label')).toThrow('--label "=1" is not KEY=VALUE');
    expect(() => parseKeyValues(['novalue'], '--annotation')).toThrow('--annotation "novalue" is not KEY=VALUE');
  });

  it('names the claim when asked, else lets the API server generate <pool>-xxxxx', () => {
    expect(claimManifest({ namespace: 'team-a', name: 'mine', spec: { poolName: 'sandboxes' } }).metadata).toEqual({
      name: 'mine',
      namespace: 'team-a',
    });
    expect(claimManifest({ namespace: 'team-a', spec: { poolName: 'sandboxes' } }).metadata).toEqual({
      generateName: 'sandboxes-',
      namespace: 'team-a',
    });
  });

  it('is settled once the claim leaves Pending', () => {
    expect(isSettled(claim())).toBe(false);
    expect(isSettled(claim({ phase: 'Pending' }))).toBe(false);
    for (const phase of ['Bound', 'Expired', 'Failed'] as const) expect(isSettled(claim({ phase }))).toBe(true);
  });

  it("prints the phase, the pod and the Bound condition's reason flat", () => {
    const bound = claim({
      phase: 'Bound',
      podName: 'sandboxes-x',
      podIP: '10.0.0.7',
      nodeName: 'kwok-node-0',
      boundTime: '2026-12-02T22:00:00Z',
      conditions: [
        { type: 'Bound', status: 'True', reason: 'PodBound', message: 'holds pod sandboxes-x', lastTransitionTime: '2026-12-02T22:00:00Z' },
      ],
    });
    expect(claimSummary(bound)).toEqual({
      name: 'c1',
      namespace: 'team-a',
      pool: 'sandboxes',
      phase: 'Bound',
      podName: 'sandboxes-x',
      podIP: '10.0.0.7',
      nodeName: 'kwok-node-0',
      boundTime: '2026-12-02T22:00:00Z',
      reason: 'PodBound',
      message: 'holds pod sandboxes-x',
    });
    expect(claimSummary(claim()).phase).toBe('Pending');
  });
});
