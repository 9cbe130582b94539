import { parseSpec } from '../../../src/api/parse.js';
import type { PodPoolSpec } from '../../../src/api/schema.js';

/** A valid spec with defaults applied; fields given override the base. */
export function makeSpec(overrides: Partial<PodPoolSpec> = {}): PodPoolSpec {
  return parseSpec({
    minPoolSize: 0,
    maxPoolSize: 100,
    targetReadyPods: 2,
    scaleDownStabilizationSeconds: 0,
    podTemplate: { spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    ...overrides,
  });
}

export const at = (iso: string): number => Date.parse(iso);
