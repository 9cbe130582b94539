/**
 * What the simulator asks of a pool-sizing policy. A polled policy answers, every poll interval,
 * how many warm pods (warming + ready) it wants, and hears about reservations and warm-ups as a
 * controller watching the pods would. A scheduled policy (the oracle) says up front when to
 * create each pod.
 */
import type { PodPoolSpec } from '../../api/schema.js';
import { DEFAULT_LEAD_TIME_SECONDS } from '../../scaling/recommend.js';
import type { Scenario } from '../scenario.js';

export interface PoolState {
  nowMs: number;
  readyPods: number;
  warmingPods: number;
  reservedPods: number;
  /** Reservations waiting for a pod to turn ready (cold, first come first served). */
  waitingReservations: number;
}

export interface PolledPolicy {
  readonly kind: 'polled';
  desiredWarmPods(state: PoolState): number;
  /** A pod was reserved at `atMs` (for a cold reservation: when its pod arrived, as reserved-at records it). */
  reservationMade(atMs: number): void;
  /** A reservation found no ready pod at `atMs` and waits (podpool's reservation API reports such unmet demand). */
  reservationRefused?(atMs: number): void;
  podWarmedUp(seconds: number): void;
}

export interface PlannedPod {
  createMs: number;
  warmupMs: number;
}

export interface ScheduledPolicy {
  readonly kind: 'scheduled';
  /** Pods to create, ascending by createMs. */
  readonly pods: readonly PlannedPod[];
}

export type Policy = PolledPolicy | ScheduledPolicy;

export interface PolicySetup {
  spec: PodPoolSpec;
  scenario: Scenario;
  /** The value of the policy's main knob; its default when unset. */
  knob?: number | undefined;
}

export interface Knob {
  name: string;
  defaultValue(spec: PodPoolSpec): number;
  /** Values `--sweep` tries. */
  sweepValues(spec: PodPoolSpec): number[];
}

export interface PolicyDefinition {
  name: string;
  summary: string;
  knob?: Knob | undefined;
  create(setup: PolicySetup): Policy;
}

export function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** The lead time a user would configure: the pool's warmupSeconds, else the engine's default. */
export function configuredLeadSeconds(spec: PodPoolSpec): number {
  return spec.warmupSeconds ?? DEFAULT_LEAD_TIME_SECONDS;
}
