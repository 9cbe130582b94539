import { TEMPLATE_HASH_LABEL } from '../../../src/api/labels.js';
import type { PodView } from '../../../src/pool/pod-view.js';

/** A pool pod of template h1, Pending and not Ready unless overridden. */
export function pod(name: string, overrides: Partial<PodView> = {}, labels: Record<string, string> = {}): PodView {
  return {
    name,
    labels: { [TEMPLATE_HASH_LABEL]: 'h1', ...labels },
    annotations: {},
    createdMs: 1_000,
    phase: 'Pending',
    ready: false,
    ...overrides,
  };
}
