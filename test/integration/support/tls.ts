/** What a TLS server presents, read the way a client sees it. */
import type { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';

/** The certificate a server presents to a new connection (not verified: the caller checks it). */
export function presentedCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const certificate = socket.getPeerX509Certificate();
      socket.end();
      if (certificate === undefined) reject(new Error('no peer certificate'));
      else resolve(certificate);
    });
    socket.once('error', reject);
  });
}
