import type { AuthenticationV1Api, AuthorizationV1Api, V1SubjectAccessReview, V1TokenReview } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KubeAuthenticator, RELEASE_ANY_VERB } from '../../../src/reservations/auth.js';
import { ExpiringCache } from '../../../src/reservations/expiring-cache.js';

const ACCESS = { verb: 'create', namespace: 'team-a', pool: 'sandboxes' } as const;

function fakeApis(options: { allowed?: boolean; failTokenReview?: boolean } = {}) {
  const tokenReviews: V1TokenReview[] = [];
  const accessReviews: V1SubjectAccessReview[] = [];
  const authentication = {
    createTokenReview: async ({ body }: { body: V1TokenReview }) => {
      tokenReviews.push(body);
      if (options.failTokenReview) throw new Error('connect ECONNREFUSED');
      const valid = body.spec.token === 'good';
      return {
        ...body,
        status: valid
          ? { authenticated: true, user: { username: 'alice', uid: 'u1', groups: ['dev'] } }
          : { authenticated: false, error: 'invalid bearer token' },
      };
    },
  } as unknown as Pick<AuthenticationV1Api, 'createTokenReview'>;
  const authorization = {
    createSubjectAccessReview: async ({ body }: { body: V1SubjectAccessReview }) => {
      accessReviews.push(body);
      return { ...body, status: { allowed: options.allowed ?? true, reason: options.allowed === false ? 'no rule' : '' } };
    },
  } as unknown as Pick<AuthorizationV1Api, 'createSubjectAccessReview'>;
  return { authentication, authorization, tokenReviews, accessReviews };
}

describe('KubeAuthenticator', () => {
  it('asks RBAC about podpools/reservations on the pool for the reviewed user', async () => {
    const apis = fakeApis();
    const decision = await new KubeAuthenticator(apis.authentication, apis.authorization).check('good', ACCESS);
    expect(decision).toMatchObject({ kind: 'allowed', user: { username: 'alice' } });
    expect(apis.accessReviews[0]!.spec).toEqual({
      user: 'alice',
      uid: 'u1',
      groups: ['dev'],
      extra: undefined,
      resourceAttributes: {
        group: 'podpool.dev',
        resource: 'podpools',
        subresource: 'reservations',
        verb: 'create',
        namespace: 'team-a',
        name: 'sandboxes',
      },
    });
  });

  it("asks for the custom verb release-any on the same subresource to release others' reservations", async () => {
    const apis = fakeApis();
    await new KubeAuthenticator(apis.authentication, apis.authorization).check('good', { ...ACCESS, verb: RELEASE_ANY_VERB });
    expect(apis.accessReviews[0]!.spec.resourceAttributes).toMatchObject({
      resource: 'podpools',
      subresource: 'reservations',
      verb: 'release-any',
      name: 'sandboxes',
    });
  });

  it('reports an invalid token and a denied user', async () => {
    const apis = fakeApis({ allowed: false });
    const authenticator = new KubeAuthenticator(apis.authentication, apis.authorization);
    expect(await authenticator.check('bad', ACCESS)).toEqual({ kind: 'unauthenticated', reason: 'invalid bearer token' });
    expect(await authenticator.check('good', ACCESS)).toMatchObject({ kind: 'forbidden', reason: 'no rule' });
  });

  it('caches answers briefly and shares one review among concurrent requests', async () => {
    let nowMs = 0;
    const apis = fakeApis();
    const authenticator = new KubeAuthenticator(apis.authentication, apis.authorization, {
      cacheTtlMs: 10_000,
      clock: { now: () => nowMs },
    });
    await Promise.all(Array.from({ length: 20 }, () => authenticator.check('good', ACCESS)));
    expect(apis.tokenReviews).toHaveLength(1);
    expect(apis.accessReviews).toHaveLength(1);
    await authenticator.check('good', { ...ACCESS, verb: 'delete' });
    expect(apis.tokenReviews).toHaveLength(1);
    expect(apis.accessReviews).toHaveLength(2);
    nowMs = 10_001;
    await authenticator.check('good', ACCESS);
    expect(apis.tokenReviews).toHaveLength(2);
  });

  it('turns an unreachable API server into Unavailable and does not cache it', async () => {
    const apis = fakeApis({ failTokenReview: true });
    const authenticator = new KubeAuthenticator(apis.authentication, apis.authorization);
    await expect(authenticator.check('good', ACCESS)).rejects.toMatchObject({ code: 'Unavailable' });
    await expect(authenticator.check('good', ACCESS)).rejects.toMatchObject({ code: 'Unavailable' });
    expect(apis.tokenReviews).toHaveLength(2);
  });
});

describe('ExpiringCache', () => {
  it('evicts the oldest entry when full', () => {
    const cache = new ExpiringCache<number>(1_000, 2, { now: () => 0 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
  });
});
