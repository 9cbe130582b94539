/**
 * The cert-manager alternative: the serving certificate comes from a mounted Secret directory
 * (tls.crt, tls.key) and cert-manager's CA injector fills the caBundle, so podpool only reads.
 * The directory is polled rather than watched: the kubelet swaps mounted Secrets through a
 * symlink rename that fs.watch reports unreliably, and a poll every few seconds costs nothing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PodpoolError, errorMessage } from '../errors.js';
import { logger as processLogger, type Logger } from '../log.js';
import type { CertificateTarget, PemPair } from './certificates.js';

export const CERTIFICATE_FILE = 'tls.crt';
export const KEY_FILE = 'tls.key';
export const DEFAULT_POLL_INTERVAL_MS = 10_000;

export async function readCertificateDirectory(directory: string): Promise<PemPair> {
  try {
    const [certPem, keyPem] = await Promise.all([
      readFile(join(directory, CERTIFICATE_FILE), 'utf8'),
      readFile(join(directory, KEY_FILE), 'utf8'),
    ]);
    return { certPem, keyPem };
  } catch (error) {
    throw new PodpoolError('Unavailable', `cannot read ${CERTIFICATE_FILE} and ${KEY_FILE} from ${directory}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

export interface CertificateDirectoryOptions {
  pollIntervalMs?: number;
  log?: Logger;
}

/** Loads tls.crt/tls.key into `target` and reloads them whenever they change. */
export class CertificateDirectory {
  private loaded: PemPair | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(
    private readonly directory: string,
    private readonly target: CertificateTarget,
    private readonly options: CertificateDirectoryOptions = {},
  ) {
    this.log = (options.log ?? processLogger).child({ component: 'webhook-certificates', directory });
  }

  /**
   * Reads the files and hands them to the target when they differ from what it serves. Returns
   * true when the certificate changed. Throws when the files are missing or unusable, leaving
   * the previous certificate in place (cert-manager may be between writing the two files).
   */
  async reload(): Promise<boolean> {
    const files = await readCertificateDirectory(this.directory);
    if (this.loaded !== undefined && files.certPem === this.loaded.certPem && files.keyPem === this.loaded.keyPem) return false;
    this.target.setCertificate(files);
    this.loaded = files;
    this.log.info('loaded serving certificate from files');
    return true;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.reload().catch((error: unknown) =>
        this.log.warn({ err: errorMessage(error) }, 'certificate files not reloaded; keeping the current certificate'),
      );
    }, this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
