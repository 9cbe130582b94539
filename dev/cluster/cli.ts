/**
 * The control plane as a command: `node --import tsx dev/cluster/cli.ts [--keda]` starts it
 * (with the real KEDA when asked), prints the KUBECONFIG, and stops it (leaving nothing behind)
 * on Ctrl-C or SIGTERM.
 */
import { startControlPlane } from './control-plane.js';
import { startKeda } from './keda.js';

const plane = await startControlPlane();
const keda = process.argv.includes('--keda') ? await startKeda(plane) : undefined;
console.log(`export KUBECONFIG=${plane.kubeconfigPath}`);
console.log(`export PATH=${plane.binDir}:$PATH`);
const shutdown = (): void => {
  void (keda?.stop() ?? Promise.resolve()).then(() => plane.stop()).then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
