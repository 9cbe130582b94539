/**
 * Validates and defaults a PodPool the way the API server would (schema, defaults and the
 * CRD's CEL rules), for places that read pools without the API server: the CLI, the simulator.
 */
import Value from 'typebox/value';
import { PodpoolError } from '../errors.js';
import { API_GROUP_VERSION, KIND } from './labels.js';
import { PodPoolSpecSchema, type PodPool, type PodPoolSpec } from './schema.js';
import { isValidTimeZone } from './time-zone.js';

/** Returns the spec's problems as human-readable strings; empty when valid. */
export function specProblems(spec: PodPoolSpec): string[] {
  const problems: string[] = [];
  if (spec.minPoolSize > spec.maxPoolSize) problems.push('minPoolSize must be less than or equal to maxPoolSize');
  (spec.timeBasedScaling ?? []).forEach((window, index) => {
    if (window.hourStart === window.hourEnd) problems.push(`timeBasedScaling[${index}]: hourStart and hourEnd must differ`);
    if (window.targetPoolSize < spec.minPoolSize || window.targetPoolSize > spec.maxPoolSize) {
      problems.push(`timeBasedScaling[${index}].targetPoolSize must be between minPoolSize and maxPoolSize`);
    }
  });
  if (spec.scaleUpVelocityThreshold !== undefined && spec.scaleUpVelocityThreshold <= 0) {
    problems.push('scaleUpVelocityThreshold must be greater than 0');
  }
  if (spec.scaleUpAccelerationThreshold !== undefined && spec.scaleUpAccelerationThreshold <= 0) {
    problems.push('scaleUpAccelerationThreshold must be greater than 0');
  }
  if (!isValidTimeZone(spec.timeZone)) problems.push(`timeZone ${JSON.stringify(spec.timeZone)} is not a known IANA time zone`);
  return problems;
}

/** Applies defaults to a raw spec and validates it; throws PodpoolError('InvalidSpec') listing every problem. */
export function parseSpec(raw: unknown): PodPoolSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PodpoolError('InvalidSpec', 'spec must be an object');
  }
  const defaulted = Value.Default(PodPoolSpecSchema, structuredClone(raw));
  const schemaProblems = [...Value.Errors(PodPoolSpecSchema, defaulted)].map(
    (error) => `spec${error.instancePath.replaceAll('/', '.')}: ${error.message}`,
  );
  if (schemaProblems.length > 0) {
    throw new PodpoolError('InvalidSpec', `invalid PodPool spec: ${schemaProblems.join('; ')}`, { details: schemaProblems });
  }
  const spec = defaulted as PodPoolSpec;
  const problems = specProblems(spec);
  if (problems.length > 0) {
    throw new PodpoolError('InvalidSpec', `invalid PodPool spec: ${problems.join('; ')}`, { details: problems });
  }
  return spec;
}

/** Parses a whole PodPool object (as read from YAML or JSON). */
export function parsePodPool(raw: unknown): PodPool {
  if (typeof raw !== 'object' || raw === null) throw new PodpoolError('InvalidSpec', 'a PodPool must be an object');
  const object = raw as Record<string, unknown>;
  if (object.apiVersion !== API_GROUP_VERSION || object.kind !== KIND) {
    throw new PodpoolError(
      'InvalidSpec',
      `expected apiVersion ${API_GROUP_VERSION} and kind ${KIND}, got ${String(object.apiVersion)} ${String(object.kind)}`,
    );
  }
  const metadata = (object.metadata ?? {}) as PodPool['metadata'];
  return { apiVersion: API_GROUP_VERSION, kind: KIND, metadata, spec: parseSpec(object.spec), status: object.status as PodPool['status'] };
}
