/**
 * An HTTPS server whose certificate can be replaced while it runs: new connections get the new
 * certificate (server.setSecureContext), open ones finish on the old. No restart, no dropped
 * admissions during a rotation.
 */
import { createServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { PodpoolError, errorMessage } from '../errors.js';
import { certificateExpiry } from '../metrics.js';
import { certificateNotAfter, type PemPair } from './certificates.js';

/** Named defaults. The API server gives up on a webhook after timeoutSeconds (5 s), so anything slower is dead weight. */
export const TLS_SERVER_DEFAULTS = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  // Longer than the API server's idle-connection timeout (90 s), so the client, not the server,
  // closes idle connections and no request is sent on a connection the server is closing.
  keepAliveTimeoutMs: 120_000,
} as const;

export interface TlsServerOptions {
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

/** Which HTTPS face a server is; labels its certificate metric. */
export type TlsServerName = 'webhook' | 'reservations';

export class ReloadableHttpsServer {
  readonly server: Server;
  private certificate: PemPair | undefined;

  /** Without `certificate` the server cannot listen until setCertificate is called. */
  constructor(
    readonly name: TlsServerName,
    handler: RequestListener,
    certificate?: PemPair,
    options: TlsServerOptions = {},
  ) {
    this.server = createServer({ minVersion: 'TLSv1.2' }, handler);
    this.server.headersTimeout = options.headersTimeoutMs ?? TLS_SERVER_DEFAULTS.headersTimeoutMs;
    this.server.requestTimeout = options.requestTimeoutMs ?? TLS_SERVER_DEFAULTS.requestTimeoutMs;
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs ?? TLS_SERVER_DEFAULTS.keepAliveTimeoutMs;
    // A failed handshake (a scanner, a client that does not trust us yet) is the client's problem.
    this.server.on('tlsClientError', () => {});
    if (certificate !== undefined) this.setCertificate(certificate);
  }

  /**
   * Serves `certificate` to every new connection. Throws PodpoolError('InvalidArgument') and keeps
   * the current one when the PEMs are unreadable or the key does not match the certificate.
   */
  setCertificate(certificate: PemPair): void {
    let notAfter: Date;
    try {
      // Building the context first validates cert, key and their match before anything changes.
      createSecureContext({ cert: certificate.certPem, key: certificate.keyPem });
      notAfter = certificateNotAfter(certificate.certPem);
    } catch (error) {
      throw new PodpoolError('InvalidArgument', `unusable serving certificate: ${errorMessage(error)}`, { cause: error });
    }
    this.server.setSecureContext({ cert: certificate.certPem, key: certificate.keyPem, minVersion: 'TLSv1.2' });
    this.certificate = certificate;
    certificateExpiry.set({ server: this.name }, notAfter.getTime() / 1000);
  }

  /** The certificate new connections get. */
  currentCertificate(): PemPair | undefined {
    return this.certificate;
  }

  listen(port: number, host?: string): Promise<AddressInfo> {
    if (this.certificate === undefined) {
      return Promise.reject(new PodpoolError('Unavailable', 'the HTTPS server has no certificate yet; call setCertificate first'));
    }
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections and closes idle ones; resolves when every connection is gone. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.server.listening) return resolve();
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeIdleConnections();
    });
  }
}
