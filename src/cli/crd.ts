import { podPoolClaimCrdYaml, podPoolCrdYaml } from '../api/crd.js';
import { CLAIM_PLURAL } from '../api/claim-schema.js';
import { PLURAL } from '../api/labels.js';

const CRDS: Record<string, () => string> = { [PLURAL]: podPoolCrdYaml, [CLAIM_PLURAL]: podPoolClaimCrdYaml };

export async function crdCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      `usage: podpool crd [${Object.keys(CRDS).join('|')}]\n\nPrints a CustomResourceDefinition generated from the TypeScript schema (default: ${PLURAL}).`,
    );
    return 0;
  }
  const [name = PLURAL, ...rest] = argv;
  const crd = CRDS[name];
  if (crd === undefined || rest.length > 0) {
    console.error(`podpool crd: expected one of ${Object.keys(CRDS).join(', ')}, got ${JSON.stringify(argv.join(' '))}`);
    return 2;
  }
  process.stdout.write(crd());
  return 0;
}
