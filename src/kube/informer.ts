/**
 * A list+watch informer that keeps running. client-node's ListWatch re-lists on 410 Gone and
 * re-watches after a timeout, but on any other error it only reports and stops; this wrapper
 * restarts it with exponential backoff and tracks whether the cache can be trusted.
 */
import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { informerRestarts } from '../metrics.js';
import { exponentialBackoffMs } from './backoff.js';

export interface InformerHandlers<T> {
  onAdd?: (object: T) => void;
  onUpdate?: (object: T) => void;
  onDelete?: (object: T) => void;
}

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private failures = 0;
  private synced = false;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly resource: string,
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
    labelSelector: string | undefined,
    handlers: InformerHandlers<T>,
    private readonly log: Logger,
  ) {
    const listAndMarkSynced = async (): Promise<KubernetesListObject<T>> => {
      const result = await list();
      this.synced = true;
      this.failures = 0;
      this.lastError = undefined;
      return result;
    };
    this.informer = makeInformer<T>(kubeConfig, path, listAndMarkSynced, labelSelector);
    if (handlers.onAdd) this.informer.on('add', handlers.onAdd);
    if (handlers.onUpdate) this.informer.on('update', handlers.onUpdate);
    if (handlers.onDelete) this.informer.on('delete', handlers.onDelete);
    this.informer.on('connect', () => {
      this.lastError = undefined;
    });
    this.informer.on('error', (error: unknown) => this.restartLater(error));
  }

  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.informer.start();
    } catch (error) {
      this.restartLater(error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  private restartLater(error: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    this.lastError = error instanceof Error ? error.message : String(error);
    const waitMs = exponentialBackoffMs(this.failures, 500, 30_000);
    informerRestarts.inc({ resource: this.resource });
    this.log.warn({ resource: this.resource, err: this.lastError, retryInMs: waitMs }, 'informer stopped; restarting');
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      this.informer.start().catch((next: unknown) => this.restartLater(next));
    }, waitMs);
  }

  /** Listed at least once. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Synced and not failing: what /readyz reports. */
  healthy(): { ok: boolean; detail: string } {
    if (!this.synced) return { ok: false, detail: `${this.resource}: not synced yet` };
    if (this.lastError !== undefined && this.failures >= 3) return { ok: false, detail: `${this.resource}: ${this.lastError}` };
    return { ok: true, detail: `${this.resource}: ok` };
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }
}
