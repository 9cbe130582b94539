import type { V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATE_LABEL } from '../../../src/api/labels.js';
import { classifyPod } from '../../../src/pool/classify.js';
import { podView } from '../../../src/pool/pod-view.js';
import { isReservable, isReserved } from '../../../src/reservations/reservation.js';

const condition = fc.record({
  type: fc.constantFrom('Ready', 'PodScheduled', 'ContainersReady'),
  status: fc.constantFrom('True', 'False', 'Unknown'),
});
const pod: fc.Arbitrary<V1Pod> = fc.record({
  metadata: fc.record(
    {
      name: fc.constant('p'),
      labels: fc.record({ [STATE_LABEL]: fc.constantFrom('ready', 'warming', 'reserved', 'x') }, { requiredKeys: [] }),
      deletionTimestamp: fc.constant(new Date('2026-12-01T00:00:00Z')),
    },
    { requiredKeys: ['name'] },
  ),
  status: fc.record({ phase: fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'), conditions: fc.array(condition, { maxLength: 3 }) }, { requiredKeys: [] }),
});

describe('isReservable and isReserved', () => {
  it('agree with classifyPod over a full podView for any pod', () => {
    fc.assert(
      fc.property(pod, (p) => {
        const expected = classifyPod(podView(p));
        expect(isReservable(p)).toBe(expected === 'ready');
        expect(isReserved(p)).toBe(expected === 'reserved');
      }),
      { numRuns: 2000 },
    );
  });
});
