/**
 * One control plane with the real KEDA for the whole e2e run: etcd, kube-apiserver,
 * kube-controller-manager (whose HPA controller KEDA drives), kwok, then KEDA's operator and
 * metrics adapter behind the external metrics APIService.
 */
import type { TestProject } from 'vitest/node';
import { startControlPlane, type ControlPlane } from '../../dev/cluster/control-plane.js';
import { startKeda, type KedaStage } from '../../dev/cluster/keda.js';

let plane: ControlPlane | undefined;
let keda: KedaStage | undefined;

export async function setup(project: TestProject): Promise<void> {
  const log = (line: string): void => console.log(`[control plane] ${line}`);
  plane = await startControlPlane({ log });
  project.provide('kubeconfigPath', plane.kubeconfigPath);
  project.provide('binDir', plane.binDir);
  project.provide('controlPlaneReadyAt', Date.now());
  keda = await startKeda(plane, { log });
  project.provide('kedaLogs', [keda.operatorLog, keda.adapterLog]);
}

export async function teardown(): Promise<void> {
  await keda?.stop();
  await plane?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** KEDA's operator and adapter logs, for failure messages. */
    kedaLogs: string[];
  }
}
