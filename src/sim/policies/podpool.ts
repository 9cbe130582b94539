/**
 * podpool: the real engine, asked as every role asks it (recommendForPool), from a status holding
 * the reservation history, warm-ups and weekly profile the controller would have written, encoded
 * as the controller encodes them.
 */
import { MAX_WARMUP_SAMPLES } from '../../api/schema.js';
import { updatedWarmupSeconds } from '../../pool/reservation-events.js';
import { maxHistoryBuckets, recommendForPool } from '../../scaling/pool-recommendation.js';
import { encodeHistory, emptyHistory, recordReservations, type ReservationHistory } from '../../scaling/reservation-history.js';
import { emptyProfile, encodeProfile, recordIntoProfile, type DemandProfile } from '../../scaling/weekly-profile.js';
import type { PolicyDefinition, PolledPolicy, PolicySetup } from './policy.js';

/** Availability targets `--sweep` runs podpool at, to draw its cold-rate / idle-cost curve. */
export const AVAILABILITY_SWEEP = [0.9, 0.95, 0.98, 0.99, 0.995, 0.999];

function createPodpoolPolicy({ spec: given, scenario, knob }: PolicySetup): PolledPolicy {
  const spec = knob === undefined ? given : { ...given, availability: knob };
  const maxBuckets = maxHistoryBuckets(spec);
  let history: ReservationHistory = emptyHistory(scenario.startMs - scenario.preRollMs);
  let profile: DemandProfile = emptyProfile(scenario.startMs - scenario.preRollMs, spec.timeZone);
  let observedWarmupSeconds: number | undefined;
  let warmupSamples: number[] = [];
  const count = (atMs: number): void => {
    history = recordReservations(history, atMs, 1, maxBuckets);
    profile = recordIntoProfile(profile, atMs, 1);
  };
  return {
    kind: 'polled',
    desiredWarmPods({ nowMs, waitingReservations }) {
      const status = {
        reservationHistory: encodeHistory(history),
        demandProfile: encodeProfile(profile),
        ...(observedWarmupSeconds === undefined ? {} : { observedWarmupSeconds }),
        warmupSamples,
        // The users waiting are claims waiting for a pod, as the controller counts them.
        waitingClaims: waitingReservations,
      };
      return recommendForPool({ spec, status }, nowMs).desiredReplicas;
    },
    reservationMade: count,
    // As the operator counts status.unmetReservations: a user turned away is demand at once, and
    // counts again when served.
    reservationRefused: count,
    podWarmedUp(seconds) {
      observedWarmupSeconds = updatedWarmupSeconds(observedWarmupSeconds, [seconds]);
      warmupSamples = [...warmupSamples, Math.round(seconds * 10) / 10].slice(-MAX_WARMUP_SAMPLES);
    },
  };
}

export const podpoolPolicy: PolicyDefinition = {
  name: 'podpool',
  summary: 'the scaling engine with the given PodPool spec (availability, windows, velocity, acceleration, warm-up); knob: availability',
  knob: { name: 'availability', defaultValue: (spec) => spec.availability, sweepValues: () => AVAILABILITY_SWEEP },
  create: createPodpoolPolicy,
};
