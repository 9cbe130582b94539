import { describe, expect, it } from 'vitest';
import { RESERVED_BY_CALLER_ANNOTATION, STATE_LABEL } from '../../../src/api/labels.js';
import { authorizeRelease, ownReservationsOnly, type Releaser } from '../../../src/reservations/release-authorization.js';
import { readyPod } from './fakes.js';

function reservedPod(caller: string | undefined) {
  const pod = readyPod('pod-a');
  pod.metadata!.labels![STATE_LABEL] = 'reserved';
  if (caller !== undefined) pod.metadata!.annotations = { [RESERVED_BY_CALLER_ANNOTATION]: caller };
  return pod;
}

function releaser(username: string, grantedReleaseAny: boolean): Releaser & { asked: number } {
  const result = {
    username,
    asked: 0,
    mayReleaseOthers: async () => {
      result.asked += 1;
      return grantedReleaseAny;
    },
  };
  return result;
}

describe('authorizeRelease', () => {
  it('lets the reserving caller release without asking about the grant', async () => {
    const alice = releaser('alice', false);
    await expect(authorizeRelease(reservedPod('alice'), alice)).resolves.toBeUndefined();
    expect(alice.asked).toBe(0);
  });

  it('refuses another caller without the grant, naming the verb that would allow it', async () => {
    const bob = releaser('bob', false);
    await expect(authorizeRelease(reservedPod('alice'), bob)).rejects.toMatchObject({
      code: 'Forbidden',
      message: expect.stringMatching(/another caller.*release-any/),
    });
    expect(bob.asked).toBe(1);
  });

  it('lets a holder of the grant release anyone', async () => {
    await expect(authorizeRelease(reservedPod('alice'), releaser('admin', true))).resolves.toBeUndefined();
  });

  it('treats a missing or empty caller annotation as nobody, so only the grant releases the pod', async () => {
    for (const pod of [reservedPod(undefined), reservedPod('')]) {
      await expect(authorizeRelease(pod, releaser('', false))).rejects.toMatchObject({
        code: 'Forbidden',
        message: expect.stringMatching(/no caller was recorded/),
      });
      await expect(authorizeRelease(pod, releaser('admin', true))).resolves.toBeUndefined();
    }
  });

  it('undoes only its own reservations', async () => {
    await expect(authorizeRelease(reservedPod('alice'), ownReservationsOnly('alice'))).resolves.toBeUndefined();
    await expect(authorizeRelease(reservedPod('bob'), ownReservationsOnly('alice'))).rejects.toMatchObject({ code: 'Forbidden' });
  });
});
