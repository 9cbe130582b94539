import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  newCertificateBundle,
  renewCertificateBundle,
  renewalDecision,
  serviceDnsNames,
  signCertificate,
  splitPemCertificates,
  type CertificateBundle,
  type ServingIdentity,
} from '../../../src/tls/certificates.js';

const DAY = 86_400_000;
const start = new Date('2026-01-01T00:00:00Z');
const later = (days: number): Date => new Date(start.getTime() + days * DAY);
const identity: ServingIdentity = { dnsNames: serviceDnsNames('podpool-webhook', 'podpool-system'), ipAddresses: ['127.0.0.1'] };

let bundle: CertificateBundle;
beforeAll(async () => {
  bundle = await newCertificateBundle(identity, start);
});

describe('serviceDnsNames', () => {
  it('lists the names a Service answers to', () => {
    expect(serviceDnsNames('hook', 'ops')).toEqual(['hook', 'hook.ops', 'hook.ops.svc', 'hook.ops.svc.cluster.local']);
  });
});

describe('newCertificateBundle', () => {
  it('makes a CA and a serving certificate it signed, for every DNS name and IP', () => {
    const authority = new X509Certificate(bundle.authority.certPem);
    const serving = new X509Certificate(bundle.serving.certPem);
    expect(authority.ca).toBe(true);
    expect(serving.ca).toBe(false);
    expect(serving.checkIssued(authority)).toBe(true);
    expect(serving.verify(authority.publicKey)).toBe(true);
    expect(serving.checkHost('podpool-webhook.podpool-system.svc')).toBe('podpool-webhook.podpool-system.svc');
    expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(serving.checkHost('elsewhere.example')).toBeUndefined();
    expect(serving.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
  });

  it('back-dates notBefore for clock skew and lasts 90 days (CA: 5 years)', () => {
    const serving = new X509Certificate(bundle.serving.certPem);
    expect(serving.validFromDate.getTime()).toBeLessThan(start.getTime());
    expect(serving.validToDate.getTime()).toBe(later(90).getTime());
    expect(new X509Certificate(bundle.authority.certPem).validToDate.getTime()).toBe(later(5 * 365).getTime());
  });

  it('trusts exactly its own CA', () => {
    expect(splitPemCertificates(bundle.trustBundlePem)).toEqual([bundle.authority.certPem]);
  });

  it('refuses an identity without names, and a malformed IP', async () => {
    await expect(newCertificateBundle({ dnsNames: [] }, start)).rejects.toThrow(/at least one DNS name/);
    await expect(newCertificateBundle({ dnsNames: ['a'], ipAddresses: ['300.1.1.1'] }, start)).rejects.toThrow(/not an IP address/);
  });
});

describe('renewalDecision', () => {
  it('renews nothing while more than a third of the lifetime remains', () => {
    expect(renewalDecision(bundle, identity, later(59)).renew).toBe('none');
  });

  it('renews the serving certificate once less than a third remains', () => {
    expect(renewalDecision(bundle, identity, later(61))).toMatchObject({ renew: 'serving', reason: expect.stringMatching(/expires/) });
  });

  it('renews the serving certificate when it does not cover a requested name', () => {
    const wider = { ...identity, dnsNames: [...identity.dnsNames, 'podpool-webhook.other.svc'] };
    expect(renewalDecision(bundle, wider, start)).toMatchObject({
      renew: 'serving',
      reason: expect.stringMatching(/does not cover podpool-webhook.other.svc/),
    });
  });

  it('renews the CA once less than a third of its lifetime remains', () => {
    expect(renewalDecision(bundle, identity, later(4 * 365)).renew).toBe('authority');
  });

  it('starts over when there is nothing, or nothing readable, or a key that does not match', () => {
    expect(renewalDecision(undefined, identity, start).renew).toBe('authority');
    expect(renewalDecision({ ...bundle, serving: { ...bundle.serving, certPem: 'garbage' } }, identity, start).renew).toBe('authority');
    expect(renewalDecision({ ...bundle, serving: { ...bundle.serving, keyPem: bundle.authority.keyPem } }, identity, start).renew).toBe(
      'serving',
    );
  });
});

describe('short configured lifetimes (--cert-validity, --ca-validity)', () => {
  const SECOND = 1_000;
  const at = (seconds: number): Date => new Date(start.getTime() + seconds * SECOND);
  const lifetimes = { servingLifetimeMs: 60 * SECOND, authorityLifetimeMs: 120 * SECOND };
  let short: CertificateBundle;
  beforeAll(async () => {
    short = await newCertificateBundle(identity, start, lifetimes);
  });

  it('back-dates by a tenth of the lifetime at most, so renewal still waits for the last third', () => {
    const serving = new X509Certificate(short.serving.certPem);
    expect(serving.validFromDate.getTime()).toBe(at(-6).getTime());
    expect(serving.validToDate.getTime()).toBe(at(60).getTime());
    expect(new X509Certificate(short.authority.certPem).validFromDate.getTime()).toBe(at(-12).getTime());
    expect(renewalDecision(short, identity, at(35)).renew).toBe('none');
  });

  it('renews the serving certificate, then the CA, as each enters its last third', () => {
    expect(renewalDecision(short, identity, at(45))).toMatchObject({
      renew: 'serving',
      reason: expect.stringMatching(/serving certificate expires/),
    });
    expect(renewalDecision(short, identity, at(70)).renew).toBe('serving');
    expect(renewalDecision(short, identity, at(80))).toMatchObject({ renew: 'authority', reason: expect.stringMatching(/CA expires/) });
  });

  it('never issues a serving certificate that outlives its CA', async () => {
    const renewed = await renewCertificateBundle(short, { renew: 'serving', reason: 'test' }, identity, at(75), lifetimes);
    expect(new X509Certificate(renewed.serving.certPem).validToDate.getTime()).toBe(at(120).getTime());
  });
});

describe('renewCertificateBundle', () => {
  it('renews the serving certificate from the same CA, leaving the trust bundle alone', async () => {
    const now = later(61);
    const renewed = await renewCertificateBundle(bundle, renewalDecision(bundle, identity, now), identity, now);
    expect(renewed.authority).toEqual(bundle.authority);
    expect(renewed.trustBundlePem).toBe(bundle.trustBundlePem);
    expect(renewed.serving.certPem).not.toBe(bundle.serving.certPem);
    expect(new X509Certificate(renewed.serving.certPem).verify(new X509Certificate(bundle.authority.certPem).publicKey)).toBe(true);
    expect(renewalDecision(renewed, identity, now).renew).toBe('none');
  });

  it('rotates the CA keeping the old one trusted until it expires', async () => {
    const now = later(4 * 365);
    const rotated = await renewCertificateBundle(bundle, renewalDecision(bundle, identity, now), identity, now);
    expect(rotated.authority.certPem).not.toBe(bundle.authority.certPem);
    expect(splitPemCertificates(rotated.trustBundlePem)).toEqual([rotated.authority.certPem, bundle.authority.certPem]);
    expect(renewalDecision(rotated, identity, now).renew).toBe('none');

    const afterOldExpiry = later(5 * 365 + 1);
    const renewed = await renewCertificateBundle(rotated, { renew: 'serving', reason: 'test' }, identity, afterOldExpiry);
    expect(splitPemCertificates(renewed.trustBundlePem)).toEqual([rotated.authority.certPem]);
  });

  it('returns the bundle itself when nothing needs renewing', async () => {
    expect(await renewCertificateBundle(bundle, { renew: 'none', reason: '' }, identity, start)).toBe(bundle);
  });
});

describe('signCertificate (the one signer, also behind the local control plane)', () => {
  it('makes a client certificate whose organizations Kubernetes reads as groups, signed by the CA', async () => {
    const authority = await signCertificate({ commonName: 'ca', now: start, lifetimeMs: DAY });
    const client = await signCertificate({
      commonName: 'admin',
      organizations: ['system:masters'],
      now: start,
      lifetimeMs: 2 * DAY,
      issuer: authority,
      leaf: { clientAuth: true },
    });
    const ca = new X509Certificate(authority.certPem);
    const cert = new X509Certificate(client.certPem);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subject.split('\n')).toEqual(['CN=admin', 'O=system:masters']);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.subjectAltName).toBeUndefined();
    expect(cert.verify(ca.publicKey)).toBe(true);
    // Never outlives its CA.
    expect(cert.validToDate.getTime()).toBe(ca.validToDate.getTime());
  });

  it('covers the names it is given and serves and authenticates when asked to', async () => {
    const authority = await signCertificate({ commonName: 'ca', now: start, lifetimeMs: DAY });
    const leaf = await signCertificate({
      commonName: 'keda',
      now: start,
      lifetimeMs: DAY / 2,
      issuer: authority,
      leaf: { serverAuth: true, clientAuth: true, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
    });
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.keyUsage?.sort()).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.certPem).not.toContain('\r');
  });
});
