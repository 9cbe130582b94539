/**
 * The PodPool API, defined once. The CRD in crds/ is generated from these schemas
 * (see crd.ts) and the TypeScript types are derived from them, so the two never drift.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import Type, { type Static } from 'typebox';

export const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type Day = (typeof DAYS)[number];

export const DEFAULT_TIME_ZONE = 'UTC';
export const DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS = 300;
export const DEFAULT_TARGET_READY_PODS = 1;
export const MAX_WINDOWS = 32;
export const MAX_WARMUP_SECONDS = 3600;
export const MAX_STABILIZATION_SECONDS = 3600;
/** Fraction of reservations that should find a ready pod, unless the spec says otherwise. */
export const DEFAULT_AVAILABILITY = 0.99;
export const MIN_AVAILABILITY = 0.5;
export const MAX_AVAILABILITY = 0.9999;
/** Warm-ups kept in status for the lead-time percentile. */
export const MAX_WARMUP_SAMPLES = 32;
/** Slots of the learned time-of-week profile: 15 minutes over a week. */
export const PROFILE_SLOT_MINUTES = 15;
export const PROFILE_SLOTS = (7 * 24 * 60) / PROFILE_SLOT_MINUTES;

/** A wall-clock window, read in spec.timeZone. hourEnd is exclusive; hourEnd < hourStart wraps midnight. */
export const TimeWindowSchema = Type.Object(
  {
    hourStart: Type.Integer({ minimum: 0, maximum: 23, description: 'First hour of the window (0-23), inclusive, in spec.timeZone.' }),
    hourEnd: Type.Integer({
      minimum: 0,
      maximum: 24,
      description:
        'Hour the window ends (0-24), exclusive. 24 and 0 both mean midnight; a value below hourStart wraps past midnight (22 to 6 covers 22:00-06:00).',
    }),
    targetPoolSize: Type.Integer({ minimum: 0, description: 'Warm pods (warming + ready) wanted during the window.' }),
    days: Type.Optional(
      Type.Array(Type.Enum([...DAYS]), {
        maxItems: 7,
        'x-kubernetes-list-type': 'set',
        description: 'Days the window starts on (a window that wraps midnight continues into the next day). Empty or unset: every day.',
      }),
    ),
  },
  {
    'x-kubernetes-validations': [
      { rule: 'self.hourStart != self.hourEnd', message: 'hourStart and hourEnd must differ (use 0 and 24 for a whole day)' },
    ],
  },
);

export const PodPoolSpecSchema = Type.Object(
  {
    replicas: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'Warm pods wanted, set through the /scale subresource by KEDA, an HPA or kubectl scale. Unset: the controller applies its own recommendation.',
      }),
    ),
    minPoolSize: Type.Integer({ minimum: 0, default: 0, description: 'Fewest warm pods the pool keeps.' }),
    maxPoolSize: Type.Integer({ minimum: 1, description: 'Most warm pods the pool keeps (reserved pods are not counted).' }),
    targetReadyPods: Type.Integer({
      minimum: 0,
      default: DEFAULT_TARGET_READY_PODS,
      description: 'Ready buffer the pool keeps beyond the demand expected during one warm-up.',
    }),
    availability: Type.Number({
      minimum: MIN_AVAILABILITY,
      maximum: MAX_AVAILABILITY,
      default: DEFAULT_AVAILABILITY,
      description:
        'Fraction of reservations that should find a ready pod (0.99: at most 1 in 100 waits for a warm-up). The engine keeps this quantile of the demand expected during one warm-up, widened for bursty demand.',
    }),
    scaleUpVelocityThreshold: Type.Optional(
      Type.Number({
        minimum: 0,
        description: 'Reservations per minute at or above which the pool enters spike mode. Unset: velocity never triggers spike mode.',
        'x-kubernetes-validations': [{ rule: 'self > 0.0', message: 'scaleUpVelocityThreshold must be greater than 0' }],
      }),
    ),
    scaleUpAccelerationThreshold: Type.Optional(
      Type.Number({
        minimum: 0,
        description:
          'Change of the reservation rate (reservations per minute, per minute) at or above which the pool enters spike mode. Unset: acceleration never triggers spike mode.',
        'x-kubernetes-validations': [{ rule: 'self > 0.0', message: 'scaleUpAccelerationThreshold must be greater than 0' }],
      }),
    ),
    timeZone: Type.String({
      default: DEFAULT_TIME_ZONE,
      maxLength: 64,
      pattern: '^([A-Za-z][A-Za-z0-9_+-]*)(/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}$',
      description: 'IANA time zone the windows are read in, e.g. Europe/Berlin.',
      'x-kubernetes-validations': [
        {
          // getHours(tz) fails for a zone the API server does not know, so the server itself checks the name.
          rule: "timestamp('2026-01-01T00:00:00Z').getHours(self) >= 0",
          message: 'timeZone must be a valid IANA time zone name, e.g. Europe/Berlin',
        },
      ],
    }),
    timeBasedScaling: Type.Optional(
      Type.Array(TimeWindowSchema, { maxItems: MAX_WINDOWS, description: 'Time windows; where several match, the largest target wins.' }),
    ),
    warmupSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_WARMUP_SECONDS,
        description: 'Lead time from pod creation to Ready. Unset: learned from observed warm-ups (status.observedWarmupSeconds).',
      }),
    ),
    scaleDownStabilizationSeconds: Type.Integer({
      minimum: 0,
      maximum: MAX_STABILIZATION_SECONDS,
      default: DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS,
      description: 'Scale-down waits until the recommendation has stayed lower for this long (like the HPA).',
    }),
    podTemplate: Type.Unsafe<PodTemplate>({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-embedded-resource': false,
      description: 'Pod template (metadata and spec) of the pool pods.',
    }),
  },
  {
    'x-kubernetes-validations': [
      { rule: 'self.minPoolSize <= self.maxPoolSize', message: 'minPoolSize must be less than or equal to maxPoolSize' },
      {
        rule: '!has(self.timeBasedScaling) || self.timeBasedScaling.all(w, w.targetPoolSize >= self.minPoolSize && w.targetPoolSize <= self.maxPoolSize)',
        message: 'every timeBasedScaling targetPoolSize must be between minPoolSize and maxPoolSize',
      },
    ],
  },
);

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

export const ReservationHistorySchema = Type.Object(
  {
    bucketSeconds: Type.Integer({ minimum: 1, description: 'Width of one bucket in seconds.' }),
    endTime: Type.String({ format: 'date-time', description: 'End of the newest bucket.' }),
    counts: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 512, description: 'Reservations per bucket, oldest first.' }),
  },
  { description: 'Recent reservations per time bucket; velocity and acceleration are computed from it, so a restart loses nothing.' },
);

export const DemandProfileSchema = Type.Object(
  {
    timeZone: Type.String({ maxLength: 64, description: 'Zone the slots are read in (spec.timeZone when the profile was started).' }),
    slotMinutes: Type.Integer({ minimum: 1, description: 'Width of one slot in minutes.' }),
    since: Type.String({ format: 'date-time', description: 'When the profile started learning; slots not seen since then are unknown.' }),
    slotStart: Type.String({ format: 'date-time', description: 'Start of the slot being counted now.' }),
    slotCount: Type.Integer({ minimum: 0, description: 'Reservations counted in the current slot so far.' }),
    rates: Type.Array(Type.Number({ minimum: 0 }), {
      maxItems: PROFILE_SLOTS,
      description: 'Learned reservations per minute per time-of-week slot (Monday 00:00 local first), averaged week over week.',
    }),
  },
  {
    description:
      'The learned time-of-week demand profile: pre-scales a pool before its usual ramps, kept in status so a restart loses nothing.',
  },
);

export const ConditionSchema = Type.Object({
  type: Type.String({ maxLength: 316 }),
  status: Type.Enum(['True', 'False', 'Unknown']),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  reason: Type.String({ maxLength: 1024 }),
  message: Type.String({ maxLength: 32768 }),
});

export const PodPoolStatusSchema = Type.Object({
  replicas: Type.Optional(Type.Integer({ minimum: 0, description: 'Warm pods (warming + ready); the /scale status.' })),
  selector: Type.Optional(Type.String({ description: 'Label selector of the warm pods, for the /scale subresource.' })),
  readyPods: Type.Optional(Type.Integer({ minimum: 0 })),
  warmingPods: Type.Optional(Type.Integer({ minimum: 0 })),
  reservedPods: Type.Optional(Type.Integer({ minimum: 0 })),
  desiredReplicas: Type.Optional(Type.Integer({ minimum: 0, description: "The engine's recommendation, also served to KEDA." })),
  currentVelocity: Type.Optional(Type.Number({ description: 'Reservations per minute.' })),
  currentAcceleration: Type.Optional(Type.Number({ description: 'Reservations per minute, per minute.' })),
  mode: Type.Optional(Type.Enum(['normal', 'spike'], { description: "The engine's mode." })),
  leadTimeSeconds: Type.Optional(Type.Number({ minimum: 0, description: 'The warm-up lead time the engine sized the pool for.' })),
  sizedBy: Type.Optional(
    Type.Enum(['window', 'quantile', 'buffer'], {
      description: 'The term that set the count: a time window, the availability quantile of demand, or the ready buffer.',
    }),
  ),
  observedWarmupSeconds: Type.Optional(
    Type.Number({
      minimum: 0,
      description: 'Time from pod creation to first Ready: a moving average weighted to recent pods (each pod sampled once).',
    }),
  ),
  warmupSamples: Type.Optional(
    Type.Array(Type.Number({ minimum: 0 }), {
      maxItems: MAX_WARMUP_SAMPLES,
      description: 'The latest observed warm-ups in seconds, newest last; the lead time is a high percentile of them.',
    }),
  ),
  demandProfile: Type.Optional(DemandProfileSchema),
  totalReservations: Type.Optional(Type.Integer({ minimum: 0 })),
  lastReservationTime: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'reserved-at of the newest reservation counted into the history (so none is counted twice).',
    }),
  ),
  reservationHistory: Type.Optional(ReservationHistorySchema),
  unmetReservations: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'Reservation requests that found no ready pod, counted by the reservation API on every replica (a caller retrying counts once per 5 minutes). Demand the pool did not meet; it feeds velocity.',
    }),
  ),
  observedUnmetReservations: Type.Optional(
    Type.Integer({ minimum: 0, description: 'How many of unmetReservations the controller has counted into reservationHistory.' }),
  ),
  waitingClaims: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'PodPoolClaims of this pool waiting for a ready pod. They are back-orders: the engine keeps one warm pod more for each, on top of the demand it forecasts.',
    }),
  ),
  lastScaleTime: Type.Optional(Type.String({ format: 'date-time' })),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(
    Type.Array(ConditionSchema, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'], maxItems: 16 }),
  ),
});

export type TimeWindow = Static<typeof TimeWindowSchema>;
export type PodPoolSpec = Static<typeof PodPoolSpecSchema>;
export type PodPoolStatus = Static<typeof PodPoolStatusSchema>;
export type ReservationHistoryStatus = Static<typeof ReservationHistorySchema>;
export type DemandProfileStatus = Static<typeof DemandProfileSchema>;
export type Condition = Static<typeof ConditionSchema>;

/** Custom objects arrive as plain JSON: timestamps are strings at run time despite the Date type. */
export type ObjectMeta = V1ObjectMeta;

export interface PodPool {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: PodPoolSpec;
  status?: PodPoolStatus;
}
