/**
 * A baseline's trade-off curve: the same scenario run over a range of its main knob. Read against
 * podpool's run it answers the two questions that matter: what cold rate the baseline gets for
 * podpool's cost, and what it must spend to be as warm as podpool.
 */
import type { PodPoolSpec } from '../api/schema.js';
import type { PolicyDefinition } from './policies/policy.js';
import { formatPercent, type PolicyReport } from './report.js';

export interface SweepPoint {
  knob: number;
  cold: number;
  coldRate: number;
  unreservedPodMinutes: number;
}

export interface SweepResult {
  policy: string;
  knobName: string;
  points: SweepPoint[];
  /** The lowest cold rate among knob values costing no more than podpool. */
  bestAtPodpoolCost?: SweepPoint | undefined;
  /** The cheapest knob value at least as warm as podpool. */
  cheapestAtPodpoolColdRate?: SweepPoint | undefined;
}

export function sweepPolicy(
  definition: PolicyDefinition,
  spec: PodPoolSpec,
  run: (knob: number) => PolicyReport,
  podpool: PolicyReport | undefined,
): SweepResult | undefined {
  const knob = definition.knob;
  if (knob === undefined) return undefined;
  const points = knob.sweepValues(spec).map((value): SweepPoint => {
    const report = run(value);
    return { knob: value, cold: report.cold, coldRate: report.coldRate, unreservedPodMinutes: report.unreservedPodMinutes };
  });
  const result: SweepResult = { policy: definition.name, knobName: knob.name, points };
  if (podpool === undefined) return result;
  for (const point of points) {
    if (point.unreservedPodMinutes <= podpool.unreservedPodMinutes) {
      const best = result.bestAtPodpoolCost;
      if (
        best === undefined ||
        point.coldRate < best.coldRate ||
        (point.coldRate === best.coldRate && point.unreservedPodMinutes < best.unreservedPodMinutes)
      ) {
        result.bestAtPodpoolCost = point;
      }
    }
    if (point.coldRate <= podpool.coldRate) {
      const cheapest = result.cheapestAtPodpoolColdRate;
      if (cheapest === undefined || point.unreservedPodMinutes < cheapest.unreservedPodMinutes) result.cheapestAtPodpoolColdRate = point;
    }
  }
  return result;
}

/** One sentence per baseline, against podpool's figures. */
export function describeSweep(result: SweepResult, podpool: PolicyReport): string {
  const best = result.bestAtPodpoolCost;
  const atCost =
    best === undefined
      ? `no ${result.knobName} value tried costs as little as podpool (${podpool.unreservedPodMinutes} idle pod-min)`
      : `for at most podpool's cost its best cold rate is ${formatPercent(best.coldRate)} (${result.knobName} ${best.knob}, ${best.unreservedPodMinutes} idle pod-min)`;
  const cheapest = result.cheapestAtPodpoolColdRate;
  const ratio =
    cheapest === undefined || podpool.unreservedPodMinutes === 0
      ? ''
      : `, ${(cheapest.unreservedPodMinutes / podpool.unreservedPodMinutes).toFixed(2)}x podpool`;
  const atColdRate =
    cheapest === undefined
      ? `no ${result.knobName} value tried reaches podpool's cold rate of ${formatPercent(podpool.coldRate)}`
      : `to reach podpool's cold rate of ${formatPercent(podpool.coldRate)} it needs ${cheapest.unreservedPodMinutes} idle pod-min${ratio} (${result.knobName} ${cheapest.knob})`;
  return `${result.policy}: ${atCost}; ${atColdRate}.`;
}

/** podpool's own curve: its cold rate and cost at each availability target. */
export function describeCurve(result: SweepResult): string {
  const points = result.points.map(
    (point) => `${result.knobName} ${point.knob}: ${formatPercent(point.coldRate)} cold, ${point.unreservedPodMinutes} idle pod-min`,
  );
  return `${result.policy}: ${points.join('; ')}.`;
}
