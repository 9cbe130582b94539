/**
 * The one shape of an injected clock: epoch milliseconds. Components that read the time take a
 * Clock (tests hand in a fake one); pure functions take `nowMs` as an argument instead.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
