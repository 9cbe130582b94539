import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const SRC = join(ROOT, 'src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of a file, type-only ones included (they tie modules together for a reader too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+'(\.[^']+)'/gms)].map((match) => match[1]!);
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

/** Every cycle found by a depth-first walk, each as the list of files (relative to src) it goes through. */
function importCycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next].map((path) => relative(SRC, path)));
      else if (state.get(next) === undefined && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return cycles;
}

/** The top-level module (folder or file of src) a path is in: 'controller', 'clock.ts', ... */
const moduleOf = (path: string): string => relative(SRC, path).split('/')[0]!;

const PURE = ['api', 'scaling', 'pool', 'errors.ts', 'duration.ts'];
const PLUMBING = [...PURE, 'kube', 'tls', 'clock.ts', 'log.ts', 'metrics.ts'];
const ROLES = ['controller', 'webhook', 'scaler', 'reservations', 'sim'];

/** What each layer may import: its own layer and those below (DESIGN.md section 7). */
const ALLOWED: Record<string, readonly string[]> = {
  ...Object.fromEntries(PURE.map((module) => [module, PURE])),
  ...Object.fromEntries(['kube', 'tls', 'clock.ts', 'log.ts', 'metrics.ts'].map((module) => [module, PLUMBING])),
  ...Object.fromEntries(ROLES.map((module) => [module, [...PLUMBING, module, 'http-errors.ts', 'server.ts']])),
  // PodPoolClaims are the reservation core's second front door: the same guarded write, so the one role built on another.
  claims: [...PLUMBING, 'claims', 'reservations'],
};

describe('imports', () => {
  it('never reach up a layer: the pure core imports no I/O, the plumbing no role, a role no other role', () => {
    const upward: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const allowed = ALLOWED[moduleOf(file)];
      if (allowed === undefined) continue;
      for (const target of importsOf(file))
        if (!allowed.includes(moduleOf(target))) upward.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
    }
    expect(upward).toEqual([]);
  });

  it('form no cycle anywhere in src, type-only imports included', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    expect(importCycles(files)).toEqual([]);
  });

  it('never reach into test/ from the product and its tools: src, dev (the local control plane), scripts and bench', () => {
    const intoTests: string[] = [];
    for (const folder of ['src', 'dev', 'scripts', 'bench']) {
      for (const file of sourceFiles(join(ROOT, folder))) {
        for (const target of importsOf(file))
          if (relative(ROOT, target).startsWith('test/')) intoTests.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}`);
      }
    }
    expect(intoTests).toEqual([]);
  });

  it('are followed through re-exports and type imports', () => {
    const reconciler = importsOf(join(SRC, 'controller/reconciler.ts')).map((path) => relative(SRC, path));
    expect(reconciler).toContain('controller/ports.ts');
    expect(importsOf(join(SRC, 'reservations/index.ts')).length).toBeGreaterThan(5);
  });
});
