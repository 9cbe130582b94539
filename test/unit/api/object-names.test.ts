import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidObjectName } from '../../../src/api/object-names.js';
import { parseObjectName } from '../../../src/reservations/request-body.js';
import { poolRefFromPath, poolRefFromScaledObject } from '../../../src/scaler/pool-ref.js';

const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);

describe('object names: one rule for the scaler, the webhook and the reservation API', () => {
  it.each([
    ['sandboxes', 'pool', true],
    ['a.b-c.d', 'pool', true],
    ['a..b', 'pool', false],
    ['a.-b', 'pool', false],
    ['-a', 'pool', false],
    ['a-', 'pool', false],
    ['A', 'pool', false],
    ['', 'pool', false],
    ['a'.repeat(253), 'pool', true],
    ['a'.repeat(254), 'pool', false],
    ['team-a', 'namespace', true],
    ['team.a', 'namespace', false],
    ['a'.repeat(63), 'namespace', true],
    ['a'.repeat(64), 'namespace', false],
  ] as const)('%j as a %s name: %s', (name, kind, valid) => {
    expect(isValidObjectName(name, kind)).toBe(valid);
  });

  it('the scaler and the reservation API accept and refuse the same pool names', () => {
    const candidate = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.array(label, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.')),
      label.map((l) => `${l}..${l}`),
    );
    fc.assert(
      fc.property(candidate, (name) => {
        const reservations = (() => {
          try {
            parseObjectName(name, 'pool');
            return true;
          } catch {
            return false;
          }
        })();
        const scaler = (() => {
          try {
            poolRefFromPath('default', name);
            poolRefFromScaledObject({ namespace: 'default', scalerMetadata: { podPoolName: name } });
            return true;
          } catch {
            return false;
          }
        })();
        expect(scaler).toBe(reservations);
        expect(scaler).toBe(name !== '' && isValidObjectName(name, 'pool'));
      }),
    );
  });
});
