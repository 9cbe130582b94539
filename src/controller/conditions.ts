/** Conditions as the Kubernetes API conventions define them: lastTransitionTime moves only when status changes. */
import type { Condition } from '../api/schema.js';

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function setConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  generation: number | undefined,
  nowMs: number,
): Condition[] {
  const nowIso = new Date(nowMs).toISOString();
  return next.map((condition) => {
    const before = previous?.find((c) => c.type === condition.type);
    const lastTransitionTime = before !== undefined && before.status === condition.status ? before.lastTransitionTime : nowIso;
    return { ...condition, observedGeneration: generation, lastTransitionTime } as Condition;
  });
}

export function conditionOf(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
