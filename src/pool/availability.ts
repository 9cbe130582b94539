/** The pool's availability objective: the share of reservations that should find a ready pod at once. */
import type { PodPool } from '../api/schema.js';

export const DEFAULT_AVAILABILITY = 0.99;

export function availabilityTarget(pool: Pick<PodPool, 'spec'>): number {
  // spec.availability is on its way into the schema; read defensively until it is there.
  return (pool.spec as { availability?: number }).availability ?? DEFAULT_AVAILABILITY;
}
