import { beforeAll, describe, expect, it } from 'vitest';
import { newCertificateBundle, renewCertificateBundle, type CertificateBundle } from '../../../src/tls/certificates.js';
import { servingSwitch, type ServedCertificate } from '../../../src/tls/serving-switch.js';

const identity = { dnsNames: ['podpool-webhook.podpool-system.svc'] };
const start = new Date('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const later = (days: number): Date => new Date(start.getTime() + days * DAY);
const served = (bundle: CertificateBundle): ServedCertificate => ({
  certPem: bundle.serving.certPem,
  authorityPem: bundle.authority.certPem,
});

let current: CertificateBundle;
let sameAuthority: CertificateBundle;
let newAuthority: CertificateBundle;
beforeAll(async () => {
  current = await newCertificateBundle(identity, start);
  sameAuthority = await renewCertificateBundle(current, { renew: 'serving', reason: 'test' }, identity, later(61));
  newAuthority = await renewCertificateBundle(current, { renew: 'authority', reason: 'test' }, identity, later(61));
});

describe('servingSwitch', () => {
  it('serves the first certificate whatever the caBundle says: there is nothing else to serve', () => {
    expect(servingSwitch({ served: undefined, candidate: served(newAuthority), trustConfirmed: false, now: start })).toMatchObject({
      action: 'serve',
    });
  });

  it('changes nothing when the candidate is what is served', () => {
    expect(servingSwitch({ served: served(current), candidate: served(current), trustConfirmed: false, now: start })).toEqual({
      action: 'unchanged',
    });
  });

  it('waits with a certificate from a new CA until the caBundle is known to trust it', () => {
    const input = { served: served(current), candidate: served(newAuthority), now: later(61) };
    expect(servingSwitch({ ...input, trustConfirmed: false })).toMatchObject({
      action: 'wait',
      reason: expect.stringMatching(/does not trust yet/),
    });
    expect(servingSwitch({ ...input, trustConfirmed: true })).toMatchObject({ action: 'serve' });
  });

  it('serves a renewal from the CA already trusted, even when the caBundle could not be checked', () => {
    expect(
      servingSwitch({ served: served(current), candidate: served(sameAuthority), trustConfirmed: false, now: later(61) }),
    ).toMatchObject({
      action: 'serve',
      reason: expect.stringMatching(/CA already trusted/),
    });
  });

  it('stops holding on to a certificate that has expired', () => {
    expect(
      servingSwitch({ served: served(current), candidate: served(newAuthority), trustConfirmed: false, now: later(91) }),
    ).toMatchObject({
      action: 'serve',
      reason: expect.stringMatching(/expired/),
    });
  });
});
