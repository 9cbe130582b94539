import { describe, expect, it } from 'vitest';
import { POOL_LABEL, STATE_LABEL, TEMPLATE_HASH_LABEL } from '../../../src/api/labels.js';
import { PodpoolError } from '../../../src/errors.js';
import { admit, decideAdmission } from '../../../src/webhook/admission.js';
import { admissionReviewBody, parseAdmissionReview } from '../../../src/webhook/review.js';
import { makePool, poolReader, review } from './support.js';

const pools = poolReader([makePool('team-a', 'sandboxes', { metadata: { labels: { app: 'sandbox' } } })]);
const poolPod = (labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  metadata: { generateName: 'sandboxes-', labels: { [POOL_LABEL]: 'sandboxes', ...labels }, ...extra },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});
const decide = (body: unknown, reader = pools) => decideAdmission(parseAdmissionReview(body), reader);

describe('parseAdmissionReview', () => {
  it('reads a CREATE of a pod into typed values', () => {
    const request = parseAdmissionReview(review(poolPod(), { dryRun: true }));
    expect(request).toMatchObject({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', operation: 'CREATE', namespace: 'team-a', dryRun: true });
    expect(request.pod?.metadata?.labels?.[POOL_LABEL]).toBe('sandboxes');
  });

  it.each([
    ['a non-object body', [], /JSON object/],
    ['a wrong apiVersion', { ...review(poolPod()), apiVersion: 'admission.k8s.io/v1beta1' }, /expected apiVersion admission.k8s.io\/v1/],
    ['a wrong kind', { ...review(poolPod()), kind: 'Pod' }, /kind AdmissionReview/],
    ['a missing request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request is missing/],
    ['a missing uid', review(poolPod(), { uid: undefined }), /request.uid/],
    ['an unknown operation', review(poolPod(), { operation: 'PATCH' }), /request.operation/],
    ['a missing object', review(null), /request.object is missing/],
    ['an object that is not an object', review('pod'), /request.object must be/],
    ['labels that are not strings', review({ metadata: { labels: { a: 1 } } }), /labels\["a"\] must be a string/],
    ['ownerReferences that are not a list', review({ metadata: { ownerReferences: {} } }), /ownerReferences must be a list/],
    ['a missing namespace', review(poolPod(), { namespace: undefined }), /request.namespace is required/],
    ['a non-boolean dryRun', review(poolPod(), { dryRun: 'yes' }), /dryRun must be a boolean/],
    [
      'a namespace that is not a namespace name',
      review(poolPod(), { namespace: 'Team_A' }),
      /request.namespace "Team_A" is not a valid namespace name/,
    ],
  ])('rejects %s with InvalidArgument', (_name, body, message) => {
    expect(() => parseAdmissionReview(body)).toThrow(PodpoolError);
    expect(() => parseAdmissionReview(body)).toThrow(message);
  });

  it.each([
    [
      'an apiVersion nested 100,000 lists deep',
      { apiVersion: JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), kind: 'AdmissionReview' },
      /got apiVersion a list/,
    ],
    ['a 1 MB label key of a non-string value', review({ metadata: { labels: { ['k'.repeat(1_000_000)]: 1 } } }), /labels\["k+/],
    ['a 1 MB namespace', review(poolPod(), { namespace: 'n'.repeat(1_000_000) }), /request.namespace "n+/],
  ])('rejects %s with a short InvalidArgument message', (_name, body, message) => {
    let thrown: unknown;
    try {
      parseAdmissionReview(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PodpoolError);
    expect((thrown as PodpoolError).message).toMatch(message);
    expect((thrown as PodpoolError).message.length).toBeLessThan(1_000);
  });

  it('does not inspect objects of other kinds or operations', () => {
    const request = parseAdmissionReview(review('anything', { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }));
    expect(request.pod).toBeUndefined();
  });
});

describe('decideAdmission', () => {
  it('patches a pool pod with pool, state, template hash and template labels', () => {
    const decision = decide(review(poolPod()));
    expect(decision.outcome).toBe('patched');
    expect(decision.poolKey).toBe('team-a/sandboxes');
    expect(decision.patch?.map((operation) => operation.path).sort()).toEqual(
      ['/metadata/labels/app', '/metadata/labels/podpool.dev~1state', '/metadata/labels/podpool.dev~1template-hash'].sort(),
    );
  });

  it('finds the pool through a PodPool owner reference and stamps the pool label', () => {
    const pod = { metadata: { ownerReferences: [{ apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', name: 'sandboxes', uid: 'u' }] } };
    const decision = decide(review(pod));
    expect(decision.outcome).toBe('patched');
    expect(decision.patch).toEqual([
      { op: 'add', path: '/metadata/labels', value: expect.objectContaining({ [POOL_LABEL]: 'sandboxes' }) },
    ]);
  });

  it('allows a pod that is already stamped without a patch', () => {
    const first = decide(review(poolPod()));
    const stamped = poolPod({
      app: 'sandbox',
      [STATE_LABEL]: 'warming',
      [TEMPLATE_HASH_LABEL]: String(first.patch?.find((o) => o.path.endsWith('template-hash'))?.value),
    });
    expect(decide(review(stamped))).toMatchObject({ outcome: 'allowed', reason: 'labels already stamped' });
  });

  it('allows pods that name no pool, and requests that are not pod creations, untouched', () => {
    expect(decide(review({ metadata: { labels: { app: 'x' } } }))).toMatchObject({ outcome: 'allowed', reason: 'the pod names no pool' });
    expect(decide(review(poolPod(), { operation: 'UPDATE' }))).toMatchObject({ outcome: 'allowed' });
    expect(decide(review(poolPod(), { subResource: 'ephemeralcontainers' }))).toMatchObject({ outcome: 'allowed' });
  });

  it('denies a pod naming a pool that does not exist, saying which', () => {
    const decision = decide(review(poolPod({ [POOL_LABEL]: 'sandboxs' })));
    expect(decision.outcome).toBe('denied');
    expect(decision.reason).toMatch(/PodPool team-a\/sandboxs does not exist/);
  });

  it('looks the pool up in the pod namespace only', () => {
    expect(decide(review(poolPod(), { namespace: 'team-b' })).outcome).toBe('denied');
  });

  it('admits unstamped, with a warning, while the cache has not synced', () => {
    const decision = decide(review(poolPod({ [POOL_LABEL]: 'unknown-yet' })), poolReader([], false));
    expect(decision).toMatchObject({ outcome: 'allowed', reason: 'the PodPool cache has not synced yet' });
    expect(decision.warnings?.[0]).toMatch(/not stamped/);
  });

  it('denies a pod that claims state=reserved at creation, even for an existing pool', () => {
    const decision = decide(review(poolPod({ [STATE_LABEL]: 'reserved' })));
    expect(decision.outcome).toBe('denied');
    expect(decision.reason).toMatch(/cannot be created with podpool.dev\/state=reserved/);
  });

  it('turns any other claimed state into warming, with a warning', () => {
    const decision = decide(review(poolPod({ [STATE_LABEL]: 'ready' })));
    expect(decision.outcome).toBe('patched');
    expect(decision.patch).toContainEqual({ op: 'replace', path: '/metadata/labels/podpool.dev~1state', value: 'warming' });
    expect(decision.warnings?.[0]).toMatch(/state=ready replaced by warming/);
  });

  it('denies a pod whose label and owner name different pools', () => {
    const pod = poolPod({}, { ownerReferences: [{ apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', name: 'other' }] });
    expect(decide(review(pod))).toMatchObject({ outcome: 'denied', reason: expect.stringMatching(/several pools/) });
  });

  it.each([
    ['an upper-case label', 'Bad_Name', {}],
    ['a label over 253 characters', 'a'.repeat(254), {}],
    ['a label with an empty DNS segment', 'a..b', {}],
    [
      'a PodPool owner with an invalid name',
      undefined,
      { ownerReferences: [{ apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', name: '-owner' }] },
    ],
  ])('denies a pod naming a pool no PodPool can be (%s), before any lookup and even while the cache syncs', (_name, label, extra) => {
    const labels = label === undefined ? {} : { [POOL_LABEL]: label };
    const pod = { metadata: { generateName: 'x-', labels, ...extra } };
    const lookups: string[] = [];
    const counting = { getPool: (namespace: string, name: string) => void lookups.push(`${namespace}/${name}`), hasSynced: () => false };
    const decision = decideAdmission(parseAdmissionReview(review(pod)), counting);
    expect(decision).toMatchObject({ outcome: 'denied', reason: expect.stringMatching(/is not a valid PodPool name/) });
    expect(decision.unknownPool).toBeUndefined();
    expect(lookups).toEqual([]);
  });

  it('repeats at most a few hundred characters of a pod name, pool or state in its answer', () => {
    const huge = 'x'.repeat(1_000_000);
    const answers = [
      decide(review(poolPod({ [POOL_LABEL]: huge }))),
      decide(
        review(
          poolPod(
            { [POOL_LABEL]: huge },
            { ownerReferences: [{ apiVersion: 'podpool.dev/v1alpha1', kind: 'PodPool', name: 'sandboxes' }] },
          ),
        ),
      ),
      decide(review(poolPod({ [STATE_LABEL]: 'reserved' }, { generateName: huge }))),
      decide(review(poolPod({ [POOL_LABEL]: 'nope' }, { name: huge }))),
      decide(review(poolPod({ [STATE_LABEL]: huge }))),
    ];
    for (const answer of answers) {
      expect(answer.reason.length).toBeLessThan(1_000);
      for (const warning of answer.warnings ?? []) expect(warning.length).toBeLessThan(1_000);
    }
    expect(answers.map((answer) => answer.outcome)).toEqual(['denied', 'denied', 'denied', 'denied', 'patched']);
  });

  it('gives the same answer for dryRun (the webhook has no side effects)', () => {
    expect(decide(review(poolPod(), { dryRun: true }))).toEqual(decide(review(poolPod())));
  });
});

describe('admit and admissionReviewBody', () => {
  it('echoes the uid and base64-encodes the JSON patch', () => {
    const { response } = admit(parseAdmissionReview(review(poolPod())), pools);
    const body = admissionReviewBody(response) as { apiVersion: string; kind: string; response: Record<string, unknown> };
    expect(body.apiVersion).toBe('admission.k8s.io/v1');
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response).toMatchObject({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true, patchType: 'JSONPatch' });
    expect(JSON.parse(Buffer.from(String(body.response.patch), 'base64').toString())).toEqual(response.patch);
  });

  it('answers a denial with allowed false and a 403 status carrying the message', () => {
    const { response } = admit(parseAdmissionReview(review(poolPod({ [STATE_LABEL]: 'reserved' }))), pools);
    const body = admissionReviewBody(response) as { response: Record<string, unknown> };
    expect(body.response).toMatchObject({ allowed: false, status: { code: 403, reason: 'Forbidden' } });
    expect(body.response).not.toHaveProperty('patch');
  });

  it('omits patchType when there is nothing to patch', () => {
    const { response } = admit(parseAdmissionReview(review({ metadata: {} })), pools);
    expect(admissionReviewBody(response).response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });
});
