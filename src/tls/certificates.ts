/**
 * The webhook's own PKI: a CA and a serving certificate for the webhook Service's DNS names (and
 * IPs, for tests), and when to renew them. Keys come from node:crypto (RSA in pure JS takes
 * seconds); node-forge builds and signs the certificates. Takes `now`, reads no clock.
 */
import { X509Certificate, createPrivateKey, generateKeyPair, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateRsaKeyPair = promisify(generateKeyPair);
const DAY_MS = 86_400_000;

/** Named defaults (in one place, as controller-runtime does). */
export const CERTIFICATE_DEFAULTS = {
  authorityLifetimeMs: 5 * 365 * DAY_MS,
  servingLifetimeMs: 90 * DAY_MS,
  /** Renew once less than this share of a certificate's lifetime remains (30 days of a 90-day cert). */
  renewWhenRemaining: 1 / 3,
  /**
   * Back-date notBefore so API servers whose clocks lag a little still accept a fresh certificate;
   * at most a tenth of the lifetime, so a short-lived certificate is not mostly back-dating.
   */
  clockSkewMs: 5 * 60_000,
  keyBits: 2048,
} as const;

/** The subject of every CA podpool makes; a caBundle entry with another subject is not ours. */
export const AUTHORITY_COMMON_NAME = 'podpool-webhook-ca';

export interface CertificateOptions {
  authorityLifetimeMs?: number;
  servingLifetimeMs?: number;
}

export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** Whatever serves a certificate (the HTTPS server); it must reject a pair it cannot use. */
export interface CertificateTarget {
  setCertificate(certificate: PemPair): void;
}

/** Everything a replica needs to serve and everything the webhook configuration needs to trust it. */
export interface CertificateBundle {
  authority: PemPair;
  serving: PemPair;
  /** PEM list for caBundle: the current CA, plus the previous one while certificates it signed may still be served. */
  trustBundlePem: string;
}

/** The names the serving certificate must cover. */
export interface ServingIdentity {
  dnsNames: readonly string[];
  ipAddresses?: readonly string[];
}

export type RenewalScope = 'none' | 'serving' | 'authority';

export interface RenewalDecision {
  renew: RenewalScope;
  reason: string;
}

/** The DNS names a Service is reached by from inside the cluster (the API server uses service.namespace.svc). */
export function serviceDnsNames(service: string, namespace: string, clusterDomain = 'cluster.local'): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${clusterDomain}`];
}

/** An RSA key pair in PEM (PKCS#1 private, SPKI public), as Kubernetes' own tools write them. */
export async function newKeyPair(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: CERTIFICATE_DEFAULTS.keyBits });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** What a leaf certificate is for, and the names it covers. */
export interface LeafUsage {
  serverAuth?: boolean;
  clientAuth?: boolean;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
}

export interface SigningRequest {
  commonName: string;
  /** Subject organizations; Kubernetes reads them as a client certificate's groups. */
  organizations?: readonly string[];
  now: Date;
  lifetimeMs: number;
  /** The CA that signs; absent, the certificate signs itself. */
  issuer?: PemPair;
  /** Absent: a CA. */
  leaf?: LeafUsage;
}

/**
 * One certificate and its fresh key. The operator's webhook and reservation PKI and the local
 * control plane's (API server, admin client, KEDA) are all made here.
 */
export async function signCertificate(request: SigningRequest): Promise<PemPair> {
  const keys = await newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  // A leading 0x01 keeps the DER integer positive whatever the random bytes are.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const issuer = request.issuer === undefined ? cert : forge.pki.certificateFromPem(request.issuer.certPem);
  const notAfter = request.now.getTime() + request.lifetimeMs;
  cert.validity.notBefore = new Date(request.now.getTime() - Math.min(CERTIFICATE_DEFAULTS.clockSkewMs, request.lifetimeMs / 10));
  // A certificate never outlives its CA, so the old CA staying trusted until it expires covers every certificate it signed.
  cert.validity.notAfter = new Date(request.issuer === undefined ? notAfter : Math.min(notAfter, issuer.validity.notAfter.getTime()));
  cert.setSubject([
    { name: 'commonName', value: request.commonName },
    ...(request.organizations ?? []).map((value) => ({ name: 'organizationName', value })),
  ]);
  cert.setIssuer(issuer.subject.attributes);
  const leaf = request.leaf;
  if (leaf === undefined) {
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
  } else {
    const altNames = [
      ...(leaf.dnsNames ?? []).map((value) => ({ type: 2, value })),
      ...(leaf.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
    ];
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: leaf.serverAuth === true, clientAuth: leaf.clientAuth === true },
      ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    ]);
  }
  const signingKey = forge.pki.privateKeyFromPem(request.issuer?.keyPem ?? keys.privateKeyPem) as forge.pki.rsa.PrivateKey;
  cert.sign(signingKey, forge.md.sha256.create());
  // forge writes CRLF line ends; LF keeps PEMs comparable with what Kubernetes and node:crypto produce.
  return { certPem: forge.pki.certificateToPem(cert).replaceAll('\r\n', '\n'), keyPem: keys.privateKeyPem };
}

function checkIdentity(identity: ServingIdentity): void {
  if (identity.dnsNames.length === 0 && (identity.ipAddresses ?? []).length === 0) {
    throw new TypeError('a serving certificate needs at least one DNS name or IP address');
  }
  for (const ip of identity.ipAddresses ?? []) if (isIP(ip) === 0) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
}

export function createCertificateAuthority(now: Date, options: CertificateOptions = {}): Promise<PemPair> {
  return signCertificate({
    commonName: AUTHORITY_COMMON_NAME,
    now,
    lifetimeMs: options.authorityLifetimeMs ?? CERTIFICATE_DEFAULTS.authorityLifetimeMs,
  });
}

export function issueServingCertificate(
  authority: PemPair,
  identity: ServingIdentity,
  now: Date,
  options: CertificateOptions = {},
): Promise<PemPair> {
  checkIdentity(identity);
  return signCertificate({
    commonName: identity.dnsNames[0] ?? 'podpool-webhook',
    now,
    lifetimeMs: options.servingLifetimeMs ?? CERTIFICATE_DEFAULTS.servingLifetimeMs,
    issuer: authority,
    leaf: { serverAuth: true, dnsNames: identity.dnsNames, ipAddresses: identity.ipAddresses ?? [] },
  });
}

/** Splits a PEM list (such as a caBundle) into its certificates. */
export function splitPemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((block) => `${block}\n`) ?? [];
}

function stillValid(pem: string, now: Date): boolean {
  try {
    return new X509Certificate(pem).validToDate.getTime() > now.getTime();
  } catch {
    return false;
  }
}

/**
 * A fresh CA and serving certificate. When `previous` is given (a CA rotation), its CA stays in
 * the trust bundle until it expires: replicas that have not yet loaded the new serving
 * certificate keep being trusted while the new CA reaches every API server.
 */
export async function newCertificateBundle(
  identity: ServingIdentity,
  now: Date,
  options: CertificateOptions = {},
  previous?: CertificateBundle,
): Promise<CertificateBundle> {
  const authority = await createCertificateAuthority(now, options);
  const serving = await issueServingCertificate(authority, identity, now, options);
  const previousAuthorities =
    previous === undefined ? [] : splitPemCertificates(previous.trustBundlePem).filter((pem) => stillValid(pem, now));
  return { authority, serving, trustBundlePem: [authority.certPem, ...previousAuthorities].join('') };
}

/** A new serving certificate from the same CA: the caBundle does not change, so nothing needs re-trusting. */
export async function renewServingCertificate(
  bundle: CertificateBundle,
  identity: ServingIdentity,
  now: Date,
  options: CertificateOptions = {},
): Promise<CertificateBundle> {
  const trusted = splitPemCertificates(bundle.trustBundlePem).filter((pem) => stillValid(pem, now));
  return { ...bundle, serving: await issueServingCertificate(bundle.authority, identity, now, options), trustBundlePem: trusted.join('') };
}

function trustedFingerprints(trustBundlePem: string): Set<string> {
  const fingerprints = new Set<string>();
  for (const pem of splitPemCertificates(trustBundlePem)) {
    try {
      fingerprints.add(new X509Certificate(pem).fingerprint256);
    } catch {
      // An unreadable entry trusts nothing; the check below then asks for a new CA.
    }
  }
  return fingerprints;
}

function remainingShare(certificate: X509Certificate, now: Date): number {
  const notBefore = certificate.validFromDate.getTime();
  const notAfter = certificate.validToDate.getTime();
  return (notAfter - now.getTime()) / Math.max(1, notAfter - notBefore);
}

function keyMatches(certificate: X509Certificate, keyPem: string): boolean {
  return certificate.checkPrivateKey(createPrivateKey(keyPem));
}

function uncoveredName(serving: X509Certificate, identity: ServingIdentity): string | undefined {
  const missingDns = identity.dnsNames.find((name) => serving.checkHost(name, { wildcards: false }) === undefined);
  if (missingDns !== undefined) return missingDns;
  return (identity.ipAddresses ?? []).find((ip) => serving.checkIP(ip) === undefined);
}

/** Whether (and how much of) `bundle` must be replaced at `now` to keep serving `identity`. */
export function renewalDecision(bundle: CertificateBundle | undefined, identity: ServingIdentity, now: Date): RenewalDecision {
  if (bundle === undefined) return { renew: 'authority', reason: 'no certificates yet' };
  let authority: X509Certificate;
  let serving: X509Certificate;
  try {
    authority = new X509Certificate(bundle.authority.certPem);
    serving = new X509Certificate(bundle.serving.certPem);
    if (!keyMatches(authority, bundle.authority.keyPem)) return { renew: 'authority', reason: 'CA key does not match the CA certificate' };
    if (!keyMatches(serving, bundle.serving.keyPem))
      return { renew: 'serving', reason: 'serving key does not match the serving certificate' };
  } catch (error) {
    return { renew: 'authority', reason: `stored certificates are unreadable: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!authority.ca) return { renew: 'authority', reason: 'the CA certificate is not a CA' };
  const authorityShare = remainingShare(authority, now);
  if (authorityShare < CERTIFICATE_DEFAULTS.renewWhenRemaining) {
    return {
      renew: 'authority',
      reason: `CA expires ${authority.validToDate.toISOString()} (${Math.max(0, Math.round(authorityShare * 100))}% of its lifetime left)`,
    };
  }
  if (!trustedFingerprints(bundle.trustBundlePem).has(authority.fingerprint256)) {
    return { renew: 'authority', reason: 'the trust bundle does not hold the current CA' };
  }
  if (!serving.checkIssued(authority) || !serving.verify(authority.publicKey)) {
    return { renew: 'serving', reason: 'the serving certificate was not signed by the current CA' };
  }
  const missing = uncoveredName(serving, identity);
  if (missing !== undefined) return { renew: 'serving', reason: `the serving certificate does not cover ${missing}` };
  const servingShare = remainingShare(serving, now);
  if (servingShare < CERTIFICATE_DEFAULTS.renewWhenRemaining) {
    return {
      renew: 'serving',
      reason: `serving certificate expires ${serving.validToDate.toISOString()} (${Math.max(0, Math.round(servingShare * 100))}% of its lifetime left)`,
    };
  }
  return { renew: 'none', reason: `valid until ${serving.validToDate.toISOString()}` };
}

/** Applies a renewal decision: the same bundle, a new serving certificate, or a new CA and certificate. */
export async function renewCertificateBundle(
  bundle: CertificateBundle | undefined,
  decision: RenewalDecision,
  identity: ServingIdentity,
  now: Date,
  options: CertificateOptions = {},
): Promise<CertificateBundle> {
  if (decision.renew === 'none' && bundle !== undefined) return bundle;
  if (decision.renew === 'serving' && bundle !== undefined) return renewServingCertificate(bundle, identity, now, options);
  return newCertificateBundle(identity, now, options, bundle);
}

/** When the certificate in `certPem` expires. */
export function certificateNotAfter(certPem: string): Date {
  return new X509Certificate(certPem).validToDate;
}
