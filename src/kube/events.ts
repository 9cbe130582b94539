/**
 * Records Kubernetes Events on objects (visible in `kubectl describe`). Repeats of the same
 * reason and message on the same object within ten minutes bump the count of one Event instead
 * of creating new ones, as client-go's recorder does.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig, type V1ObjectReference } from '@kubernetes/client-node';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../log.js';

export type EventType = 'Normal' | 'Warning';

/** Where controllers record Events: the port their tests fake; KubeEventRecorder is the real one. */
export interface EventRecorder {
  record(object: V1ObjectReference, type: EventType, reason: string, message: string): void;
}

const AGGREGATE_WINDOW_MS = 10 * 60 * 1000;

export class KubeEventRecorder implements EventRecorder {
  private readonly api: CoreV1Api;
  private readonly recent = new Map<string, { name: string; count: number; firstMs: number; lastMs: number }>();

  constructor(
    kubeConfig: KubeConfig,
    private readonly component: string,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }

  record(object: V1ObjectReference, type: EventType, reason: string, message: string): void {
    void this.write(object, type, reason, message).catch((error: unknown) =>
      this.log.warn({ err: (error as Error).message, reason }, 'could not record an event'),
    );
  }

  private async write(object: V1ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.namespace ?? 'default';
    const key = `${object.uid}/${type}/${reason}/${message}`;
    const now = this.clock.now();
    const seen = this.recent.get(key);
    if (seen !== undefined && now - seen.lastMs < AGGREGATE_WINDOW_MS) {
      seen.count += 1;
      seen.lastMs = now;
      try {
        await this.api.patchNamespacedEvent({
          name: seen.name,
          namespace,
          body: [
            { op: 'replace', path: '/count', value: seen.count },
            { op: 'replace', path: '/lastTimestamp', value: new Date(now).toISOString() },
          ],
        });
        return;
      } catch {
        // The event expired or was deleted: create a fresh one below.
      }
    }
    if (this.recent.size > 10_000) this.recent.clear();
    const name = `${object.name}.${randomBytes(8).toString('hex')}`;
    await this.api.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name, namespace },
        involvedObject: object,
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: new Date(now),
        lastTimestamp: new Date(now),
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: process.env.HOSTNAME ?? this.component,
      },
    });
    this.recent.set(key, { name, count: 1, firstMs: now, lastMs: now });
  }
}
