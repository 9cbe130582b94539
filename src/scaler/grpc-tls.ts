/**
 * Server credentials for the scaler's gRPC port. KEDA's side: `enableTLS` or `caCert` in the
 * TriggerAuthentication makes it speak TLS; `tlsClientCert`/`tlsClientKey` make it present a
 * client certificate, which a configured client CA then requires (mutual TLS).
 */
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';

export interface ScalerTls {
  certPem: string | Buffer;
  keyPem: string | Buffer;
  /** With a CA, clients must present a certificate it signed. */
  clientCaPem?: string | Buffer | undefined;
}

export interface ScalerTlsFiles {
  certFile: string;
  keyFile: string;
  clientCaFile?: string | undefined;
}

export async function readScalerTls(files: ScalerTlsFiles): Promise<ScalerTls> {
  const [certPem, keyPem, clientCaPem] = await Promise.all([
    readFile(files.certFile),
    readFile(files.keyFile),
    files.clientCaFile === undefined ? undefined : readFile(files.clientCaFile),
  ]);
  return { certPem, keyPem, clientCaPem };
}

export function scalerServerCredentials(tls: ScalerTls | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  const clientCa = tls.clientCaPem === undefined ? null : Buffer.from(tls.clientCaPem);
  return grpc.ServerCredentials.createSsl(
    clientCa,
    [{ private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) }],
    clientCa !== null,
  );
}
