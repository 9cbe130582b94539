/**
 * The operator a benchmark runs in its own process against the local control plane: one replica
 * without leader election, four workers, loopback, warn-level logs, every face off unless the
 * benchmark serves it.
 */
import { pino } from 'pino';
import { startOperator, type OperatorConfig, type RunningOperator } from '../src/operator.js';
import type { ControlPlane } from '../dev/cluster/control-plane.js';

export type BenchFaces = Partial<Pick<OperatorConfig, 'metricsPort' | 'scalerPort' | 'webhookPort' | 'reservationsPort' | 'certificates'>>;

export function startBenchOperator(plane: ControlPlane, faces: BenchFaces = {}): Promise<RunningOperator> {
  return startOperator(
    {
      kubeconfigPath: plane.kubeconfigPath,
      namespace: 'podpool-system',
      leaseName: 'podpool-controller',
      identity: 'bench',
      leaderElect: false,
      metricsPort: 0,
      bindAddress: '127.0.0.1',
      workers: 4,
      scalerPort: 0,
      webhookPort: 0,
      reservationsPort: 0,
      certificates: { kind: 'directory', directory: '' },
      ...faces,
    },
    pino({ level: 'warn' }),
  );
}
