/**
 * The discrete-event simulation of one pool under one policy.
 *
 * Pods are created warming, turn ready one warm-up later, and are deleted when their session
 * ends. A reservation takes a ready pod at once (warm) or waits, first come first served, for the
 * next pod to turn ready (cold). Every poll interval the policy names a warm count and the
 * controller's own plan function (classifyPods + planPods) decides what to create and delete.
 * Reserved pods are never in the plan.
 *
 * One liberty over the real controller: the plan is asked for at least as many warm pods as
 * reservations are waiting, like agent-sandbox's cold create, so a policy that wants zero pods
 * cannot leave a user waiting forever. It binds only while someone is already cold.
 *
 * Cost is unreserved pod time (warming + ready), integrated exactly between events, from the first
 * event until the trace has ended and nobody is waiting.
 */
import { STATE_LABEL, TEMPLATE_HASH_LABEL } from '../api/labels.js';
import { classifyPods } from '../pool/classify.js';
import { planPods } from '../pool/plan.js';
import type { PodView } from '../pool/pod-view.js';
import { EventQueue } from './event-queue.js';
import type { Policy } from './policies/policy.js';
import type { Scenario } from './scenario.js';

const SIMULATED_TEMPLATE = 'simulated';
const WARMING_LABELS = Object.freeze({ [STATE_LABEL]: 'warming', [TEMPLATE_HASH_LABEL]: SIMULATED_TEMPLATE });
const READY_LABELS = Object.freeze({ [STATE_LABEL]: 'ready', [TEMPLATE_HASH_LABEL]: SIMULATED_TEMPLATE });
const NO_ANNOTATIONS = Object.freeze({});
const MINUTE_MS = 60_000;

/** Same-instant order: a pod turning ready serves an arrival at that instant, and a poll sees all of it. */
const ORDER = { create: 0, ready: 1, sessionEnd: 2, arrival: 3, poll: 4 } as const;

interface SimulatedPod {
  view: PodView;
  warmupMs: number;
  deleted: boolean;
}

type Event =
  | { kind: 'create'; warmupMs: number }
  | { kind: 'ready'; pod: SimulatedPod }
  | { kind: 'sessionEnd' }
  | { kind: 'arrival'; index: number }
  | { kind: 'poll' };

/** Per minute of the trace: time-averaged unreserved pods, and the cold reservations that arrived. */
export interface Timeline {
  readyPods: Float64Array;
  warmingPods: Float64Array;
  coldReservations: Uint32Array;
}

export interface Outcome {
  /** Wait of each reservation, in arrival order; 0 for a warm one. */
  waitsMs: Float64Array;
  coldReservations: number;
  /** Warming plus ready-but-unreserved pod time: what the pool costs beyond the sessions themselves. */
  unreservedPodMs: number;
  podsCreated: number;
  /** Most pods alive at once, reserved ones included. */
  peakPods: number;
  timeline: Timeline;
}

export function simulate(policy: Policy, scenario: Scenario): Outcome {
  const { arrivalsMs, sessionsMs, startMs } = scenario;
  const endMs = startMs + scenario.minutes * MINUTE_MS;
  const events = new EventQueue<Event>();
  const warming = new Map<string, SimulatedPod>();
  const ready = new Map<string, SimulatedPod>();
  const waiting: number[] = [];
  let waitingHead = 0;
  let reservedPods = 0;
  let arrivalsLeft = arrivalsMs.length;

  const waitsMs = new Float64Array(arrivalsMs.length);
  const timeline: Timeline = {
    readyPods: new Float64Array(scenario.minutes),
    warmingPods: new Float64Array(scenario.minutes),
    coldReservations: new Uint32Array(scenario.minutes),
  };
  let coldReservations = 0;
  let unreservedPodMs = 0;
  let podsCreated = 0;
  let peakPods = 0;

  arrivalsMs.forEach((atMs, index) => events.push(atMs, ORDER.arrival, { kind: 'arrival', index }));
  let nowMs = startMs - scenario.preRollMs;
  if (policy.kind === 'scheduled') {
    for (const pod of policy.pods) events.push(pod.createMs, ORDER.create, { kind: 'create', warmupMs: pod.warmupMs });
    nowMs = Math.min(nowMs, policy.pods[0]?.createMs ?? nowMs);
  } else {
    events.push(nowMs, ORDER.poll, { kind: 'poll' });
  }

  function advance(toMs: number): void {
    if (toMs <= nowMs) return;
    const warm = warming.size + ready.size;
    unreservedPodMs += warm * (toMs - nowMs);
    for (let t = Math.max(nowMs, startMs); t < toMs && t < endMs;) {
      const minute = Math.floor((t - startMs) / MINUTE_MS);
      const until = Math.min(toMs, startMs + (minute + 1) * MINUTE_MS);
      timeline.readyPods[minute] = (timeline.readyPods[minute] ?? 0) + ready.size * (until - t);
      timeline.warmingPods[minute] = (timeline.warmingPods[minute] ?? 0) + warming.size * (until - t);
      t = until;
    }
    nowMs = toMs;
  }

  function createPod(warmupMs: number): void {
    const name = `pod-${podsCreated}`;
    podsCreated += 1;
    const pod: SimulatedPod = {
      view: { name, labels: WARMING_LABELS, annotations: NO_ANNOTATIONS, createdMs: nowMs, phase: 'Pending', ready: false },
      warmupMs,
      deleted: false,
    };
    warming.set(name, pod);
    events.push(nowMs + warmupMs, ORDER.ready, { kind: 'ready', pod });
  }

  function reserve(arrivalIndex: number): void {
    reservedPods += 1;
    waitsMs[arrivalIndex] = nowMs - (arrivalsMs[arrivalIndex] as number);
    events.push(nowMs + (sessionsMs[arrivalIndex] as number), ORDER.sessionEnd, { kind: 'sessionEnd' });
    if (policy.kind === 'polled') policy.reservationMade(nowMs);
  }

  function podReady(pod: SimulatedPod): void {
    if (pod.deleted) return;
    warming.delete(pod.view.name);
    if (policy.kind === 'polled') policy.podWarmedUp(pod.warmupMs / 1000);
    if (waitingHead < waiting.length) {
      reserve(waiting[waitingHead] as number);
      waitingHead += 1;
      return;
    }
    pod.view = { ...pod.view, labels: READY_LABELS, phase: 'Running', ready: true, readySinceMs: nowMs };
    ready.set(pod.view.name, pod);
  }

  function arrive(index: number): void {
    arrivalsLeft -= 1;
    const first = ready.keys().next();
    if (!first.done) {
      ready.delete(first.value);
      reserve(index);
      return;
    }
    waiting.push(index);
    coldReservations += 1;
    if (policy.kind === 'polled') policy.reservationRefused?.(nowMs);
    const minute = Math.floor(((arrivalsMs[index] as number) - startMs) / MINUTE_MS);
    if (minute >= 0 && minute < scenario.minutes) timeline.coldReservations[minute] = (timeline.coldReservations[minute] ?? 0) + 1;
  }

  function poll(): void {
    if (policy.kind !== 'polled') return;
    const views: PodView[] = [];
    for (const pod of warming.values()) views.push(pod.view);
    for (const pod of ready.values()) views.push(pod.view);
    const waitingReservations = waiting.length - waitingHead;
    const desired = policy.desiredWarmPods({ nowMs, readyPods: ready.size, warmingPods: warming.size, reservedPods, waitingReservations });
    const plan = planPods(classifyPods(views, SIMULATED_TEMPLATE), Math.max(desired, waitingReservations));
    for (const { pod } of plan.delete) {
      const simulated = warming.get(pod.name) ?? ready.get(pod.name);
      if (simulated === undefined) continue;
      simulated.deleted = true;
      warming.delete(pod.name);
      ready.delete(pod.name);
    }
    for (let i = 0; i < plan.create; i += 1) createPod(scenario.warmupMs(podsCreated));
    events.push(nowMs + scenario.pollIntervalMs, ORDER.poll, { kind: 'poll' });
  }

  for (let next = events.pop(); next !== undefined; next = events.pop()) {
    if (arrivalsLeft === 0 && waitingHead === waiting.length && next.atMs >= endMs) break;
    advance(next.atMs);
    const event = next.payload;
    switch (event.kind) {
      case 'create':
        createPod(event.warmupMs);
        break;
      case 'ready':
        podReady(event.pod);
        break;
      case 'sessionEnd':
        reservedPods -= 1;
        break;
      case 'arrival':
        arrive(event.index);
        break;
      case 'poll':
        poll();
        break;
    }
    peakPods = Math.max(peakPods, warming.size + ready.size + reservedPods);
  }
  advance(endMs);

  for (let minute = 0; minute < scenario.minutes; minute += 1) {
    timeline.readyPods[minute] = (timeline.readyPods[minute] ?? 0) / MINUTE_MS;
    timeline.warmingPods[minute] = (timeline.warmingPods[minute] ?? 0) / MINUTE_MS;
  }
  return { waitsMs, coldReservations, unreservedPodMs, podsCreated, peakPods, timeline };
}
