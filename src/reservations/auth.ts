/**
 * Who may reserve: the caller's bearer token is checked with a TokenReview, then a
 * SubjectAccessReview asks RBAC whether that user may `create` (GET: `list`, DELETE: `delete`)
 * podpools/reservations on the pool; releasing a reservation another caller made also needs the
 * custom verb `release-any`. Answers are cached briefly, keyed by a hash of the token, so a burst
 * of reservations costs the API server two reviews, not two per request.
 */
import { createHash } from 'node:crypto';
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  type KubeConfig,
  type V1SubjectAccessReview,
  type V1TokenReview,
} from '@kubernetes/client-node';
import { API_GROUP, PLURAL } from '../api/labels.js';
import { errorMessage, PodpoolError } from '../errors.js';
import { ExpiringCache } from './expiring-cache.js';
import type { Clock } from '../clock.js';

export const RESERVATIONS_SUBRESOURCE = 'reservations';

/** The RBAC verb that lets a caller release reservations other callers made. */
export const RELEASE_ANY_VERB = 'release-any';

export type ReservationVerb = 'create' | 'list' | 'delete' | typeof RELEASE_ANY_VERB;

export interface AccessRequest {
  verb: ReservationVerb;
  namespace: string;
  pool: string;
}

export interface UserInfo {
  username: string;
  uid?: string | undefined;
  groups: string[];
  extra?: Record<string, string[]> | undefined;
}

export type AccessDecision =
  { kind: 'allowed'; user: UserInfo } | { kind: 'unauthenticated'; reason: string } | { kind: 'forbidden'; user: UserInfo; reason: string };

/** Decides whether a bearer token may act on a pool's reservations; throws only when it cannot tell (Unavailable). */
export interface Authenticator {
  check(token: string, access: AccessRequest): Promise<AccessDecision>;
}

export interface KubeAuthenticatorOptions {
  /** How long an answer (allowed or denied) is reused. */
  cacheTtlMs?: number;
  maxCacheEntries?: number;
  /** Audiences the token must be valid for; unset: the API server's own. */
  audiences?: string[];
  clock?: Clock;
}

export const DEFAULT_AUTH_CACHE_TTL_MS = 10_000;
const DEFAULT_MAX_CACHE_ENTRIES = 10_000;

type TokenReviewApi = Pick<AuthenticationV1Api, 'createTokenReview'>;
type AccessReviewApi = Pick<AuthorizationV1Api, 'createSubjectAccessReview'>;
type Identity = { user: UserInfo } | { reason: string };

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function unavailable(what: string, error: unknown): PodpoolError {
  return new PodpoolError('Unavailable', `cannot reach the API server for a ${what}: ${errorMessage(error)}`, { cause: error });
}

export class KubeAuthenticator implements Authenticator {
  private readonly identities: ExpiringCache<Promise<Identity>>;
  private readonly permissions: ExpiringCache<Promise<{ allowed: boolean; reason: string }>>;
  private readonly audiences: string[] | undefined;

  constructor(
    private readonly tokenReviews: TokenReviewApi,
    private readonly accessReviews: AccessReviewApi,
    options: KubeAuthenticatorOptions = {},
  ) {
    const ttl = options.cacheTtlMs ?? DEFAULT_AUTH_CACHE_TTL_MS;
    const max = options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES;
    this.identities = new ExpiringCache(ttl, max, options.clock);
    this.permissions = new ExpiringCache(ttl, max, options.clock);
    this.audiences = options.audiences;
  }

  static fromKubeConfig(kubeConfig: KubeConfig, options: KubeAuthenticatorOptions = {}): KubeAuthenticator {
    return new KubeAuthenticator(kubeConfig.makeApiClient(AuthenticationV1Api), kubeConfig.makeApiClient(AuthorizationV1Api), options);
  }

  async check(token: string, access: AccessRequest): Promise<AccessDecision> {
    const hash = tokenHash(token);
    const identity = await this.cached(this.identities, hash, () => this.review(token));
    if (!('user' in identity)) return { kind: 'unauthenticated', reason: identity.reason };
    const permissionKey = `${hash}|${access.verb}|${access.namespace}|${access.pool}`;
    const permission = await this.cached(this.permissions, permissionKey, () => this.authorize(identity.user, access));
    return permission.allowed
      ? { kind: 'allowed', user: identity.user }
      : { kind: 'forbidden', user: identity.user, reason: permission.reason };
  }

  /** Shares one in-flight lookup per key; a failed lookup is not remembered. */
  private cached<V>(cache: ExpiringCache<Promise<V>>, key: string, lookup: () => Promise<V>): Promise<V> {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const pending = lookup();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    return pending;
  }

  private async review(token: string): Promise<Identity> {
    let review: V1TokenReview;
    try {
      review = await this.tokenReviews.createTokenReview({
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token, ...(this.audiences ? { audiences: this.audiences } : {}) },
        },
      });
    } catch (error) {
      throw unavailable('TokenReview', error);
    }
    const status = review.status;
    if (!status?.authenticated || !status.user?.username) return { reason: status?.error || 'the token is not valid' };
    const { username, uid, groups, extra } = status.user;
    return { user: { username, uid, groups: groups ?? [], extra } };
  }

  private async authorize(user: UserInfo, access: AccessRequest): Promise<{ allowed: boolean; reason: string }> {
    let review: V1SubjectAccessReview;
    try {
      review = await this.accessReviews.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            uid: user.uid,
            groups: user.groups,
            extra: user.extra,
            resourceAttributes: {
              group: API_GROUP,
              resource: PLURAL,
              subresource: RESERVATIONS_SUBRESOURCE,
              verb: access.verb,
              namespace: access.namespace,
              name: access.pool,
            },
          },
        },
      });
    } catch (error) {
      throw unavailable('SubjectAccessReview', error);
    }
    const allowed = review.status?.allowed === true && review.status.denied !== true;
    return { allowed, reason: review.status?.reason ?? '' };
  }
}
