/** Creates pods from the pool's template in growing batches (1, 2, 4, ... 64) like the ReplicaSet controller, stopping at the first failed batch. */
import { podsCreatedTotal } from '../../metrics.js';
import type { Expectations } from '../expectations.js';
import { podForPool } from '../pod-factory.js';
import type { PodWriter } from '../ports.js';
import { writeFailed, type Problem } from '../problems.js';
import { MAX_CONCURRENT_WRITES, type PoolTarget } from './target.js';

export interface Created {
  created: number;
  problems: Problem[];
}

export async function createPods(
  target: PoolTarget,
  count: number,
  templateHash: string,
  writer: PodWriter,
  expectations: Pick<Expectations, 'expectCreate'>,
): Promise<Created> {
  if (count <= 0) return { created: 0, problems: [] };
  const pod = podForPool(target.pool, templateHash);
  let created = 0;
  for (let batch = 1; created < count; batch = Math.min(batch * 2, MAX_CONCURRENT_WRITES)) {
    const size = Math.min(batch, count - created);
    const results = await Promise.allSettled(
      Array.from({ length: size }, async () => {
        const name = await writer.createPod(target.namespace, pod);
        expectations.expectCreate(target.key, name);
        podsCreatedTotal.inc({ namespace: target.namespace, pool: target.name });
      }),
    );
    created += results.filter((result) => result.status === 'fulfilled').length;
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) return { created, problems: [writeFailed('PodCreateFailed', failure.reason)] };
  }
  return { created, problems: [] };
}
