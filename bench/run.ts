/** `npm run bench`: runs every benchmark in bench/ one after another (each prints its own report). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const BENCHMARKS = ['engine', 'quality', 'scaler', 'webhook', 'reservations', 'controller', 'keda-loop'];
let failed = 0;
for (const name of BENCHMARKS) {
  const file = `bench/${name}.ts`;
  if (!existsSync(file)) continue;
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
