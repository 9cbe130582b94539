/**
 * KEDA ScaledObjects for a PodPool, as the e2e suite, the loop benchmark and the demo apply them.
 * Written as JSON (kubectl applies JSON as it applies YAML).
 */
import { API_GROUP, API_VERSION } from '../../src/api/labels.js';

export type ScaledObjectTrigger = { type: 'external' | 'external-push'; scalerAddress: string } | { type: 'metrics-api'; url: string };

interface HpaScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }[];
}

export interface HpaBehavior {
  scaleUp?: HpaScalingRules;
  scaleDown?: HpaScalingRules;
}

export interface ScaledObjectOptions {
  trigger: ScaledObjectTrigger;
  /** Seconds between KEDA's polls; omitted: KEDA's default (30 s). */
  pollingInterval?: number;
  /** Omitted: KEDA's default (300 s). */
  cooldownPeriod?: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  /** The HPA's scaling behavior; omitted: the HPA's defaults. */
  behavior?: HpaBehavior;
}

/** What the e2e suite runs with: no HPA rate limit or stabilization (the engine stabilizes scale-down). */
export const UNLIMITED_HPA_BEHAVIOR: HpaBehavior = {
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 1000, periodSeconds: 1 }] },
  scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }] },
};

/**
 * What the README and the shipped examples recommend: the HPA takes the engine's count in one step
 * (its default adds at most max(4 pods, 100 %) per 15 s) and adds no second scale-down window.
 */
export function recommendedHpaBehavior(maxReplicaCount: number): HpaBehavior {
  return {
    scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: maxReplicaCount, periodSeconds: 15 }] },
    scaleDown: { stabilizationWindowSeconds: 0 },
  };
}

function triggerOf(trigger: ScaledObjectTrigger, pool: string): Record<string, unknown> {
  if (trigger.type === 'metrics-api') {
    return {
      type: 'metrics-api',
      metricType: 'AverageValue',
      metadata: { url: trigger.url, valueLocation: 'desiredReplicas', targetValue: '1', activationTargetValue: '0' },
    };
  }
  return { type: trigger.type, metadata: { scalerAddress: trigger.scalerAddress, podPoolName: pool } };
}

export function scaledObjectManifest(namespace: string, name: string, pool: string, options: ScaledObjectOptions): string {
  const spec: Record<string, unknown> = {
    scaleTargetRef: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'PodPool', name: pool },
    minReplicaCount: options.minReplicaCount,
    maxReplicaCount: options.maxReplicaCount,
    triggers: [triggerOf(options.trigger, pool)],
  };
  if (options.pollingInterval !== undefined) spec.pollingInterval = options.pollingInterval;
  if (options.cooldownPeriod !== undefined) spec.cooldownPeriod = options.cooldownPeriod;
  if (options.behavior !== undefined) spec.advanced = { horizontalPodAutoscalerConfig: { behavior: options.behavior } };
  return JSON.stringify({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name, namespace }, spec });
}
