import type { PodPool } from '../api/schema.js';

/**
 * Read access to PodPools as the shared informer cache holds them. The scaler, the webhook and
 * the reservation API read pools through this and never call the API server on their hot path.
 */
export interface PodPoolReader {
  /** The pool, or undefined when the cache has no such pool. */
  getPool(namespace: string, name: string): PodPool | undefined;
  /** True once the cache has listed pools at least once (before that, "not found" means "unknown yet"). */
  hasSynced(): boolean;
}
