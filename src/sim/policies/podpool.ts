/** podpool: the real engine, fed the reservation history and observed warm-up the controller would keep. */
import { updatedWarmupSeconds } from '../../pool/reservation-events.js';
import { maxHistoryBuckets } from '../../scaling/pool-recommendation.js';
import { recommend } from '../../scaling/recommend.js';
import { advanceHistory, emptyHistory, recordReservations, type ReservationHistory } from '../../scaling/reservation-history.js';
import type { PolicyDefinition, PolledPolicy, PolicySetup } from './policy.js';

function createPodpoolPolicy({ spec, scenario }: PolicySetup): PolledPolicy {
  const maxBuckets = maxHistoryBuckets(spec);
  let history: ReservationHistory = emptyHistory(scenario.startMs - scenario.preRollMs);
  let observedWarmupSeconds: number | undefined;
  return {
    kind: 'polled',
    desiredWarmPods({ nowMs }) {
      history = advanceHistory(history, nowMs, maxBuckets);
      return recommend(spec, { history, observedWarmupSeconds }, nowMs).desiredReplicas;
    },
    reservationMade(atMs) {
      history = recordReservations(history, atMs, 1, maxBuckets);
    },
    // As the operator counts status.unmetReservations: a user turned away is demand at once, and
    // counts again when served.
    reservationRefused(atMs) {
      history = recordReservations(history, atMs, 1, maxBuckets);
    },
    podWarmedUp(seconds) {
      observedWarmupSeconds = updatedWarmupSeconds(observedWarmupSeconds, [seconds]);
    },
  };
}

export const podpoolPolicy: PolicyDefinition = {
  name: 'podpool',
  summary: 'the scaling engine with the given PodPool spec (windows, velocity, acceleration, warm-up)',
  create: createPodpoolPolicy,
};
