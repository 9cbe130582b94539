/** `podpool operator` as a child process against the control plane this test run shares. */
import { inject } from 'vitest';
import { startOperatorProcess as start, type OperatorProcess, type OperatorProcessOptions } from '../../../dev/cluster/operator-process.js';

export { OPERATOR_READY_TIMEOUT_MS } from '../../../dev/cluster/operator-process.js';

export type { OperatorPorts, OperatorProcess } from '../../../dev/cluster/operator-process.js';

export function startOperatorProcess(
  options: Omit<OperatorProcessOptions, 'kubeconfigPath'> & { kubeconfigPath?: string },
): Promise<OperatorProcess> {
  return start({ ...options, kubeconfigPath: options.kubeconfigPath ?? inject('kubeconfigPath') });
}
