/**
 * One control plane for the whole integration run: started once, shared by every test file
 * (each file works in namespaces of its own), stopped at the end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startControlPlane, type ControlPlane } from '../../dev/cluster/control-plane.js';

let plane: ControlPlane | undefined;
let control: Server | undefined;

export async function setup(project: TestProject): Promise<void> {
  plane = await startControlPlane({ log: (line) => console.log(`[control plane] ${line}`) });
  project.provide('kubeconfigPath', plane.kubeconfigPath);
  project.provide('binDir', plane.binDir);
  project.provide('controlPlaneReadyAt', Date.now());
  // Test workers cannot call into this process, so disruptive operations go over loopback HTTP.
  const running = plane;
  control = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/restart-apiserver') {
      running.restartApiServer().then(
        () => res.end('restarted'),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (req.method === 'POST' && req.url === '/compact-etcd') {
      running.compactEtcd().then(
        (revision) => res.end(String(revision)),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => control?.listen(0, '127.0.0.1', resolve));
  project.provide('controlUrl', `http://127.0.0.1:${(control.address() as AddressInfo).port}`);
}

export async function teardown(): Promise<void> {
  control?.close();
  // Fake nodes that flap NotReady turn every pod Ready=False and distort every controller test:
  // a run in which it happened fails, whichever test was running at the time.
  const flapped = plane === undefined ? '' : nodeNotReadyEvents(plane);
  // Each file deletes its namespaces (support/cleanup-namespaces.ts); a pool left behind would be
  // reconciled by every later file's operator.
  const leftPools = plane === undefined ? '' : podPoolsLeft(plane);
  await plane?.stop();
  if (flapped !== '') throw new Error(`kwok nodes went NotReady during the run:\n${flapped}`);
  if (leftPools !== '') throw new Error(`PodPools outlived the test files that created them:\n${leftPools}`);
}

function podPoolsLeft(running: ControlPlane): string {
  try {
    return running
      .kubectl([
        'get',
        'podpools.podpool.dev',
        '-A',
        '--no-headers',
        '-o',
        'custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name',
      ])
      .trim();
  } catch (error) {
    // A run that never installed the CRD has no pools.
    if (String(error).includes("doesn't have a resource type")) return '';
    return `could not list PodPools: ${String(error)}`;
  }
}

function nodeNotReadyEvents(running: ControlPlane): string {
  try {
    return running.kubectl(['get', 'events', '-A', '--field-selector', 'reason=NodeNotReady', '-o', 'name']).trim();
  } catch (error) {
    return `could not list node events: ${String(error)}`;
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfigPath: string;
    binDir: string;
    controlUrl: string;
    /** When the kwok nodes first turned Ready (ms since the epoch). */
    controlPlaneReadyAt: number;
  }
}
