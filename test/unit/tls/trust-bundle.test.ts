import { beforeAll, describe, expect, it } from 'vitest';
import { newCertificateBundle, splitPemCertificates, type CertificateBundle } from '../../../src/tls/certificates.js';
import { bundleTrusts, caBundleChange, signedBy } from '../../../src/tls/trust-bundle.js';

const identity = { dnsNames: ['podpool-webhook.podpool-system.svc'] };
let older: CertificateBundle;
let newer: CertificateBundle;
beforeAll(async () => {
  older = await newCertificateBundle(identity, new Date('2026-01-01T00:00:00Z'));
  newer = await newCertificateBundle(identity, new Date('2026-06-01T00:00:00Z'), {}, older);
});

describe('signedBy and bundleTrusts', () => {
  it('tell which CA signed a serving certificate', () => {
    expect(signedBy(newer.serving.certPem, newer.authority.certPem)).toBe(true);
    expect(signedBy(newer.serving.certPem, older.authority.certPem)).toBe(false);
    expect(signedBy('garbage', newer.authority.certPem)).toBe(false);
    expect(bundleTrusts(newer.trustBundlePem, older.serving.certPem)).toBe(true);
    expect(bundleTrusts(older.trustBundlePem, newer.serving.certPem)).toBe(false);
  });
});

describe('caBundleChange', () => {
  const now = new Date('2026-06-02T00:00:00Z');

  it('leaves a caBundle that already trusts exactly the bundle, in any order', () => {
    expect(caBundleChange(newer.trustBundlePem, newer.trustBundlePem, now)).toEqual({ action: 'none' });
    const [first = '', second = ''] = splitPemCertificates(newer.trustBundlePem);
    expect(caBundleChange(second + first, newer.trustBundlePem, now)).toEqual({ action: 'none' });
  });

  it('fills a missing or unreadable caBundle, and adds a new CA in front of the old one', () => {
    expect(caBundleChange(undefined, older.trustBundlePem, now)).toEqual({ action: 'replace', bundlePem: older.trustBundlePem });
    expect(caBundleChange('not a PEM', older.trustBundlePem, now)).toEqual({ action: 'replace', bundlePem: older.trustBundlePem });
    expect(caBundleChange(older.trustBundlePem, newer.trustBundlePem, now)).toEqual({ action: 'replace', bundlePem: newer.trustBundlePem });
  });

  it('never takes away a podpool CA before it expires (a stale copy of the Secret, or a Secret deleted by hand)', () => {
    expect(caBundleChange(newer.trustBundlePem, older.trustBundlePem, now)).toEqual({ action: 'none' });
    const unrelated = splitPemCertificates(newer.trustBundlePem)[0]!;
    expect(caBundleChange(older.trustBundlePem, unrelated, now)).toEqual({
      action: 'replace',
      bundlePem: unrelated + older.authority.certPem,
    });
  });

  it('drops a podpool CA once it has expired, and entries that are not podpool CAs', () => {
    const afterOlderExpired = new Date('2031-01-01T00:00:00Z');
    expect(caBundleChange(newer.trustBundlePem, newer.authority.certPem, afterOlderExpired)).toEqual({
      action: 'replace',
      bundlePem: newer.authority.certPem,
    });
    expect(caBundleChange(older.serving.certPem + older.authority.certPem, older.authority.certPem, now)).toEqual({
      action: 'replace',
      bundlePem: older.authority.certPem,
    });
  });
});
