/**
 * One control plane for the whole integration run: started once, shared by every test file
 * (each file works in namespaces of its own), stopped at the end.
 */
import type { TestProject } from 'vitest/node';
import { startControlPlane, type ControlPlane } from '../cluster/control-plane.js';

let plane: ControlPlane | undefined;

export async function setup(project: TestProject): Promise<void> {
  plane = await startControlPlane({ log: (line) => console.log(`[control plane] ${line}`) });
  project.provide('kubeconfigPath', plane.kubeconfigPath);
  project.provide('binDir', plane.binDir);
}

export async function teardown(): Promise<void> {
  await plane?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfigPath: string;
    binDir: string;
  }
}
