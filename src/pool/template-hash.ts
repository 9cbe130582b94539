import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal templates always serialize (and hash) the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A short, label-safe hash of spec.podTemplate: which template made a pod. */
export function templateHash(podTemplate: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(podTemplate ?? {}))
    .digest('hex')
    .slice(0, 10);
}
