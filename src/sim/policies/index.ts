/** Every policy the simulator can run, by name. */
import { PodpoolError } from '../../errors.js';
import { bufferPolicy } from './buffer.js';
import { cronPolicy } from './cron.js';
import { floorPolicy } from './floor.js';
import { oraclePolicy } from './oracle.js';
import { podpoolPolicy } from './podpool.js';
import type { PolicyDefinition } from './policy.js';
import { reactivePolicy } from './reactive.js';
import { seedPolicy } from './seed.js';

export const POLICIES: readonly PolicyDefinition[] = [
  podpoolPolicy,
  seedPolicy,
  bufferPolicy,
  cronPolicy,
  reactivePolicy,
  floorPolicy,
  oraclePolicy,
];
export const POLICY_NAMES = POLICIES.map((policy) => policy.name);

export function policyNamed(name: string): PolicyDefinition {
  const policy = POLICIES.find((candidate) => candidate.name === name);
  if (policy === undefined)
    throw new PodpoolError('InvalidArgument', `unknown policy ${JSON.stringify(name)}; known: ${POLICY_NAMES.join(', ')}`);
  return policy;
}

export type { PolicyDefinition, Policy, PolledPolicy, ScheduledPolicy, PoolState, PolicySetup } from './policy.js';
