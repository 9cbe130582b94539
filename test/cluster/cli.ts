/**
 * The control plane as a command: `node --import tsx test/cluster/cli.ts` starts it, prints the
 * KUBECONFIG, and stops it (leaving nothing behind) on Ctrl-C or SIGTERM.
 */
import { startControlPlane } from './control-plane.js';

const plane = await startControlPlane();
console.log(`export KUBECONFIG=${plane.kubeconfigPath}`);
const shutdown = (): void => {
  void plane.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
