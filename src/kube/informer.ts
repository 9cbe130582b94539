/**
 * A list+watch informer that keeps running. client-node's ListWatch re-lists on 410 Gone and
 * re-watches after a timeout, but on any other error it only reports and stops; this wrapper
 * restarts it (after the server's Retry-After when it sent one, else with exponential backoff
 * that starts over once the server answers) and tracks whether the cache can be trusted.
 */
import { KubeConfig, ListWatch, Watch, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { informerEvents, informerLists, informerRestarts } from '../metrics.js';
import { retryAfterMs } from './api-status.js';
import { exponentialBackoffMs } from './backoff.js';

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

export interface InformerHandlers<T> {
  onAdd?: (object: T) => void;
  onUpdate?: (object: T) => void;
  onDelete?: (object: T) => void;
}

/** What the informer needs of client-node's Watch; a fake in tests. */
export type WatchPort = Pick<Watch, 'watch'>;

/** Where an informer lists and watches its objects. */
export interface InformerSource<T extends KubernetesObject> {
  /** The collection's path, e.g. /api/v1/pods. */
  path: string;
  list: ListPromise<T>;
  watch: WatchPort;
  /** What the cache keeps of each object listed or watched; by default all but managedFields. */
  transform?: (object: T) => T;
  labelSelector?: string;
}

/**
 * What the cache keeps of an object: everything but metadata.managedFields, server-side apply's
 * bookkeeping, which nothing in podpool reads and which is a large share of a pod's bytes (as
 * controller-runtime's TransformStripManagedFields does). Mutates and returns the object.
 */
export function withoutManagedFields<T extends KubernetesObject>(object: T): T {
  if (object?.metadata?.managedFields !== undefined) delete object.metadata.managedFields;
  return object;
}

/** ListWatch takes a Watch; this one hands its calls to a port and reports each the server answered. */
class PortWatch extends Watch {
  constructor(
    private readonly port: WatchPort,
    private readonly transform: (object: KubernetesObject) => KubernetesObject,
    private readonly onAnswered: () => void,
    private readonly onEvent: (phase: string) => void,
    private readonly log: Logger,
  ) {
    super(new KubeConfig());
  }

  override async watch(...[path, queryParams, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    let failed = false;
    this.log.debug({ path, resourceVersion: queryParams.resourceVersion }, 'informer watching');
    const controller = await this.port.watch(
      path,
      queryParams,
      (phase, object, raw) => {
        this.onEvent(phase);
        if (phase === 'ERROR') this.log.debug({ path, status: object }, 'informer watch error event');
        callback(phase, phase === 'ERROR' ? object : this.transform(object as KubernetesObject), raw);
      },
      (err: unknown) => {
        if (err) failed = true;
        this.log.debug({ path, err: err ? String(err) : undefined }, 'informer watch ended');
        done(err);
      },
    );
    // client-node's Watch calls done(err) before it returns when the server did not answer 200.
    if (!failed) this.onAnswered();
    return controller;
  }
}

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  /** Consecutive failures, for health. */
  private failures = 0;
  /** Consecutive failures that were retried with exponential backoff. */
  private backoffSteps = 0;
  private synced = false;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;

  constructor(
    private readonly resource: string,
    source: InformerSource<T>,
    handlers: InformerHandlers<T>,
    private readonly log: Logger,
  ) {
    const transform = source.transform ?? withoutManagedFields;
    const listAndMarkSynced: ListPromise<T> = async () => {
      const result = await source.list();
      result.items = result.items.map(transform);
      informerLists.inc({ resource: this.resource });
      this.log.debug(
        { resource: this.resource, items: result.items.length, resourceVersion: result.metadata?.resourceVersion },
        'informer listed',
      );
      this.synced = true;
      this.answered();
      return result;
    };
    const watch = new PortWatch(
      source.watch,
      (object) => transform(object as T),
      () => this.answered(),
      (phase) => informerEvents.inc({ resource: this.resource, type: phase }),
      log.child({ resource }),
    );
    this.informer = new ListWatch<T>(source.path, watch, listAndMarkSynced, false, source.labelSelector);
    if (handlers.onAdd) this.informer.on('add', handlers.onAdd);
    if (handlers.onUpdate) this.informer.on('update', handlers.onUpdate);
    if (handlers.onDelete) this.informer.on('delete', handlers.onDelete);
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

  /** A list or watch succeeded: the server is back, so the next failure backs off from the base again. */
  private answered(): void {
    this.failures = 0;
    this.backoffSteps = 0;
    this.lastError = undefined;
  }

  private restartLater(error: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    this.lastError = error instanceof Error ? error.message : String(error);
    const waitMs = this.retryDelayMs(error);
    informerRestarts.inc({ resource: this.resource });
    this.log.warn({ resource: this.resource, err: this.lastError, retryInMs: waitMs }, 'informer stopped; restarting');
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      this.informer.start().catch((next: unknown) => this.restartLater(next));
    }, waitMs);
  }

  /**
   * The server's Retry-After (bounded) when it sent one: a just-started API server answers 429
   * with Retry-After: 1 until its watch cache is ready, and the backoff grown while it was down
   * would otherwise delay recovery by up to the cap. A server that answers is up, so this does
   * not grow the backoff.
   */
  private retryDelayMs(error: unknown): number {
    const asked = retryAfterMs(error, Date.now());
    if (asked !== undefined) return Math.min(MAX_DELAY_MS, Math.max(BASE_DELAY_MS, asked));
    this.backoffSteps += 1;
    return exponentialBackoffMs(this.backoffSteps, BASE_DELAY_MS, MAX_DELAY_MS);
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
