/** Every Prometheus metric podpool exports, defined once, on one registry. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
// Unprefixed, so the standard process_* and nodejs_* names reach existing dashboards and alerts.
collectDefaultMetrics({ register: registry });
// prom-client also exports these gauges with a `_total` suffix, which Prometheus reserves for
// counters (promtool check metrics refuses them); the same counts stay in the unsuffixed
// nodejs_active_handles, nodejs_active_requests and nodejs_active_resources, by type.
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
  registry.removeSingleMetric(name);

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Controller
export const reconcileTotal = new Counter({
  name: 'podpool_reconcile_total',
  help: 'Reconciles by outcome (success, error, conflict: a status write lost a resourceVersion race and is retried).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
export const reconcileDuration = new Histogram({
  name: 'podpool_reconcile_duration_seconds',
  help: 'Time one reconcile took.',
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const workQueueDepth = new Gauge({
  name: 'podpool_workqueue_depth',
  help: 'Keys waiting in the work queue.',
  registers: [registry],
});
export const podsCreatedTotal = new Counter({
  name: 'podpool_pods_created_total',
  help: 'Pool pods created.',
  labelNames: ['namespace', 'pool'] as const,
  registers: [registry],
});
export const podsDeletedTotal = new Counter({
  name: 'podpool_pods_deleted_total',
  help: 'Pool pods deleted, by reason (surplus, stale, failed, expired).',
  labelNames: ['namespace', 'pool', 'reason'] as const,
  registers: [registry],
});
export const poolDesiredReplicas = new Gauge({
  name: 'podpool_desired_replicas',
  help: 'Warm pods the engine recommends.',
  labelNames: ['namespace', 'pool'] as const,
  registers: [registry],
});
export const poolVelocity = new Gauge({
  name: 'podpool_velocity_reservations_per_second',
  help: 'Reservation rate of the pool, as the engine estimates it (status.currentVelocity is the same per minute).',
  labelNames: ['namespace', 'pool'] as const,
  registers: [registry],
});
export const poolAcceleration = new Gauge({
  name: 'podpool_acceleration_reservations_per_second_squared',
  help: 'Change of the reservation rate of the pool (status.currentAcceleration is the same per minute squared).',
  labelNames: ['namespace', 'pool'] as const,
  registers: [registry],
});
export const poolPods = new Gauge({
  name: 'podpool_pods',
  help: 'Pool pods by state (warming, ready, reserved).',
  labelNames: ['namespace', 'pool', 'state'] as const,
  registers: [registry],
});
export const poolWantedReplicas = new Gauge({
  name: 'podpool_pool_wanted_replicas',
  help: 'Warm pods the controller aims for: spec.replicas (KEDA, an HPA) clamped to the pool bounds when set, else the engine recommendation.',
  labelNames: ['namespace', 'pool'] as const,
  registers: [registry],
});
export const poolAvailabilityTarget = new Gauge({
  name: 'podpool_pool_availability_target',
  help: 'The pool availability objective: the share of reservations that should find a ready pod at once.',
  labelNames: ['namespace', 'pool'] as const,
  registers: [registry],
});
export const poolSpikeMode = new Gauge({
  name: 'podpool_pool_spike_mode',
  help: "1 while the engine is in spike mode for the pool (the ScalingActive condition's SpikeMode), else 0.",
  labelNames: ['namespace', 'pool'] as const,
  registers: [registry],
});
export const poolAtMax = new Gauge({
  name: 'podpool_pool_at_max',
  help: '1 while the wanted warm count is clamped to maxPoolSize (demand above what the pool may hold), else 0.',
  labelNames: ['namespace', 'pool'] as const,
  registers: [registry],
});
export const poolDegraded = new Gauge({
  name: 'podpool_pool_degraded',
  help: 'One series per reason the pool is Degraded (PodCreateFailed, PodDeleteFailed, WebhookNotCalled, ...), value 1; none while it is not.',
  labelNames: ['namespace', 'pool', 'reason'] as const,
  registers: [registry],
});
export const isLeader = new Gauge({ name: 'podpool_leader', help: '1 while this replica holds the leader lease.', registers: [registry] });
export const informerLists = new Counter({
  name: 'podpool_informer_lists_total',
  help: 'Full lists an informer made: one at start, then one each time its watch could not resume (410 Gone).',
  labelNames: ['resource'] as const,
  registers: [registry],
});
export const informerEvents = new Counter({
  name: 'podpool_informer_events_total',
  help: 'Watch events the informers received, by type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR): the load the API server puts on the operator.',
  labelNames: ['resource', 'type'] as const,
  registers: [registry],
});
export const informerRestarts = new Counter({
  name: 'podpool_informer_restarts_total',
  help: 'Informer watch restarts after an error.',
  labelNames: ['resource'] as const,
  registers: [registry],
});

// Scaler
export const scalerRequestsTotal = new Counter({
  name: 'podpool_scaler_requests_total',
  help: 'External scaler requests by rpc (or http) and outcome (gRPC status name or HTTP status class).',
  labelNames: ['rpc', 'outcome'] as const,
  registers: [registry],
});
export const scalerRequestDuration = new Histogram({
  name: 'podpool_scaler_request_duration_seconds',
  help: 'External scaler request latency by rpc.',
  labelNames: ['rpc'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const scalerEngineEvaluationsTotal = new Counter({
  name: 'podpool_scaler_engine_evaluations_total',
  help: 'Engine evaluations made to answer scaler calls (one serves every call for the same pool within a second).',
  registers: [registry],
});
export const scalerOpenStreams = new Gauge({
  name: 'podpool_scaler_open_streams',
  help: 'Open StreamIsActive streams.',
  registers: [registry],
});

// Admission webhook
export const admissionRequestsTotal = new Counter({
  name: 'podpool_admission_requests_total',
  help: 'AdmissionReview requests by outcome (patched, allowed, denied, bad_request, error).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
export const admissionDuration = new Histogram({
  name: 'podpool_admission_duration_seconds',
  help: 'AdmissionReview handling latency by outcome.',
  labelNames: ['outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const certificateExpiry = new Gauge({
  name: 'podpool_tls_certificate_expiry_timestamp_seconds',
  help: 'When the certificate an HTTPS server (webhook, reservations) serves expires (Unix time).',
  labelNames: ['server'] as const,
  registers: [registry],
});

// Reservations
export const reservationsTotal = new Counter({
  name: 'podpool_reservations_total',
  help: 'Reservation requests of known pools by outcome: warm (a ready pod at once), cold (served after waiting, ?wait=), refused (503: no ready pod within the wait, or every race for one lost), failed (client gone, errors).',
  labelNames: ['namespace', 'pool', 'outcome'] as const,
  registers: [registry],
});
export const reservationDuration = new Histogram({
  name: 'podpool_reservation_duration_seconds',
  help: 'Time to hand a pod to a user, including any wait for a ready pod.',
  labelNames: ['outcome'] as const,
  buckets: [...LATENCY_BUCKETS, 30, 60],
  registers: [registry],
});
const WAIT_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
export const reservationColdWait = new Histogram({
  name: 'podpool_reservation_cold_wait_seconds',
  help: 'How long cold reservations waited for a pod to turn ready before they were served.',
  labelNames: ['namespace', 'pool'] as const,
  buckets: WAIT_BUCKETS,
  registers: [registry],
});
export const reservationRefusalRecovery = new Histogram({
  name: 'podpool_reservation_refusal_recovery_seconds',
  help: "From this replica's first refusal for want of a ready pod to the pool's next ready pod: the least a caller retrying after the 503 waited.",
  labelNames: ['namespace', 'pool'] as const,
  buckets: WAIT_BUCKETS,
  registers: [registry],
});
export const reservationConflictsTotal = new Counter({
  name: 'podpool_reservation_conflicts_total',
  help: 'Reservation writes that lost a resourceVersion race and were retried on another pod.',
  registers: [registry],
});

/**
 * The per-pool gauges only the leader's controller sets: cleared when leadership is lost, so a
 * follower does not go on exporting what it last saw beside the new leader's values.
 */
export function resetPoolGauges(): void {
  for (const gauge of [
    poolDesiredReplicas,
    poolWantedReplicas,
    poolVelocity,
    poolAcceleration,
    poolPods,
    poolSpikeMode,
    poolAvailabilityTarget,
    poolAtMax,
    poolDegraded,
  ])
    gauge.reset();
}

// PodPoolClaims
export const claimTransitionsTotal = new Counter({
  name: 'podpool_claim_transitions_total',
  help: 'PodPoolClaims entering a phase (Pending, Bound, Expired, Failed).',
  labelNames: ['namespace', 'pool', 'phase'] as const,
  registers: [registry],
});
