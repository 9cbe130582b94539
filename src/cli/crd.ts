import { podPoolCrdYaml } from '../api/crd.js';

export async function crdCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: podpool crd\n\nPrints the PodPool CustomResourceDefinition generated from the TypeScript schema.');
    return 0;
  }
  process.stdout.write(podPoolCrdYaml());
  return 0;
}
