/**
 * A real local Kubernetes control plane for tests and `npm start`: etcd, kube-apiserver (secure
 * serving, RBAC, default admission plugins, front-proxy flags), kube-controller-manager,
 * kube-scheduler and kwok with fake nodes, all on loopback with fresh certificates. Built from
 * Go modules by build.sh (cached). Every child is watched by a guard that kills it when this
 * process dies, so an interrupted run leaves no stray process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'node:https';
import { podPoolClaimCrdYaml, podPoolCrdYaml } from '../../src/api/crd.js';
import { issueCertificate, newKeyPair, type PemPair } from './pki.js';

const here = dirname(fileURLToPath(import.meta.url));
const TMP_PREFIX = 'podpool-cp-';
/** What a kubelet uses (its default nodeLeaseDurationSeconds); kwok renews at a quarter of it. */
export const NODE_LEASE_DURATION_SECONDS = 40;

export interface ControlPlane {
  /** Admin (system:masters) kubeconfig file. */
  kubeconfigPath: string;
  server: string;
  binDir: string;
  dir: string;
  caPem: string;
  admin: PemPair;
  nodeNames: string[];
  /** Runs kubectl as the admin; throws with its stderr when it fails; returns its stdout. */
  kubectl(args: string[], input?: string): string;
  /** Stops kube-apiserver and starts it again on the same port (watches drop, clients must recover). */
  restartApiServer(): Promise<void>;
  /** Compacts etcd's history up to its current revision (watches from before it get 410 Gone); returns the revision. */
  compactEtcd(): Promise<number>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  nodes?: number;
  log?: (line: string) => void;
  /** kube-controller-manager's HPA sync period; the suites use 5 s, Kubernetes' default is 15 s. */
  hpaSyncPeriodSeconds?: number;
}

/** The HPA sync period the test suites run with (Kubernetes' default is 15 s). */
export const TEST_HPA_SYNC_PERIOD_SECONDS = 5;

/**
 * Runs one of the cached build scripts beside this file (a no-op once cached) and returns the
 * directory it prints on its last line; a failed build throws naming what it needed.
 */
export function runBuildScript(scriptName: string, what: string, log: (line: string) => void): string {
  const script = join(here, scriptName);
  const result = spawnSync(script, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `${what} could not be built (${script} exited ${result.status ?? String(result.error)}); ` +
        'it needs a Go toolchain >= 1.26 and the Go module proxy: see the build output above',
    );
  }
  const dir = result.stdout.trim().split('\n').pop() ?? '';
  log(`${what} binaries: ${dir}`);
  return dir;
}

export function buildControlPlane(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): string {
  return runBuildScript('build.sh', 'the local control plane', log);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Removes temp dirs of earlier runs whose owning process is gone (an interrupted run). */
function sweepStaleDirs(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(TMP_PREFIX)) continue;
    const dir = join(tmpdir(), entry);
    const pidFile = join(dir, 'owner.pid');
    const owner = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : NaN;
    let alive = false;
    if (Number.isInteger(owner)) {
      try {
        process.kill(owner, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    // Only directories a control plane owned: build.sh's work directory shares the prefix but has
    // no owner.pid, and a build in progress must not lose it.
    if (Number.isInteger(owner) && !alive) rmSync(dir, { recursive: true, force: true });
  }
}

export function kubeconfigYaml(
  server: string,
  caPem: string,
  user: { certPem?: string; keyPem?: string; token?: string },
  name = 'podpool-local',
): string {
  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  const credentials =
    user.token !== undefined
      ? `    token: ${user.token}`
      : `    client-certificate-data: ${b64(user.certPem ?? '')}\n    client-key-data: ${b64(user.keyPem ?? '')}`;
  return `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(caPem)}
users:
- name: ${name}
  user:
${credentials}
contexts:
- name: ${name}
  context: {cluster: ${name}, user: ${name}}
current-context: ${name}
`;
}

/** Runs a component under a guard shell that kills it as soon as this process goes away. */
export function startGuarded(binary: string, args: string[], logFile: string, env: Record<string, string> = {}): ChildProcess {
  const quoted = [binary, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  // On TERM the child gets 5 s to stop (kube-apiserver drains open watches for much longer), then
  // SIGKILL: the guard never exits leaving its child behind to hold the port.
  const stopChildOfGuard =
    'kill -TERM $child 2>/dev/null; for i in $(seq 50); do kill -0 $child 2>/dev/null || break; sleep 0.1; done; kill -KILL $child 2>/dev/null; wait $child';
  const guard = `${quoted} & child=$!; trap '${stopChildOfGuard}; exit 0' TERM INT; while kill -0 ${process.pid} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done; kill -TERM $child 2>/dev/null; sleep 2; kill -KILL $child 2>/dev/null; wait $child`;
  const out = createWriteStream(logFile);
  const child = spawn('bash', ['-c', guard], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function get(url: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      const tail = logFile !== undefined && existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
      throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const binDir = buildControlPlane(log);
  const stagesDir = join(dirname(binDir), 'stages');
  sweepStaleDirs();
  const dir = mkdtempSync(join(tmpdir(), TMP_PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  const children: ChildProcess[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    for (const child of children.reverse()) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const onExit = (): void => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  try {
    const [ca, frontProxyCa] = await Promise.all([
      issueCertificate({ commonName: 'podpool-local-ca' }),
      issueCertificate({ commonName: 'podpool-front-proxy-ca' }),
    ]);
    const [serving, admin, frontProxyClient, serviceAccountKeys] = await Promise.all([
      issueCertificate({
        commonName: 'kube-apiserver',
        issuer: ca,
        leaf: {
          serverAuth: true,
          dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
          ipAddresses: ['127.0.0.1', '10.0.0.1'],
        },
      }),
      issueCertificate({ commonName: 'podpool-admin', organizations: ['system:masters'], issuer: ca, leaf: { clientAuth: true } }),
      issueCertificate({ commonName: 'front-proxy-client', issuer: frontProxyCa, leaf: { clientAuth: true } }),
      newKeyPair(),
    ]);

    const [etcdPort, etcdPeerPort, apiPort, schedulerPort, controllerManagerPort, kwokPort] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = file('admin.kubeconfig', kubeconfigYaml(server, ca.certPem, admin));

    const etcdLog = join(dir, 'etcd.log');
    children.push(
      startGuarded(
        join(binDir, 'etcd'),
        [
          '--name=default',
          `--data-dir=${join(dir, 'etcd-data')}`,
          `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
          `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
          `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
          '--unsafe-no-fsync=true',
          '--log-level=warn',
        ],
        etcdLog,
      ),
    );

    const apiLog = join(dir, 'kube-apiserver.log');
    const apiServerArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${file('apiserver.crt', serving.certPem)}`,
      `--tls-private-key-file=${file('apiserver.key', serving.keyPem)}`,
      `--client-ca-file=${file('ca.crt', ca.certPem)}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      '--service-cluster-ip-range=10.0.0.0/24',
      `--service-account-issuer=https://127.0.0.1:${apiPort}`,
      `--service-account-key-file=${file('sa.pub', serviceAccountKeys.publicKeyPem)}`,
      `--service-account-signing-key-file=${file('sa.key', serviceAccountKeys.privateKeyPem)}`,
      // Pods may be created the moment a namespace exists, before its default ServiceAccount (as envtest does).
      '--disable-admission-plugins=ServiceAccount',
      '--endpoint-reconciler-type=none',
      `--requestheader-client-ca-file=${file('front-proxy-ca.crt', frontProxyCa.certPem)}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${file('front-proxy-client.crt', frontProxyClient.certPem)}`,
      `--proxy-client-key-file=${file('front-proxy-client.key', frontProxyClient.keyPem)}`,
      '--v=1',
    ];
    let apiServer = startGuarded(join(binDir, 'kube-apiserver'), apiServerArgs, apiLog);
    children.push(apiServer);

    const agent = new Agent({ ca: ca.certPem, cert: admin.certPem, key: admin.keyPem, keepAlive: false });
    await waitFor('kube-apiserver', async () => (await get(`${server}/readyz`, agent)).status === 200, 120_000, apiLog);
    log(`kube-apiserver ready at ${server}`);

    const controllerManagerLog = join(dir, 'kube-controller-manager.log');
    children.push(
      startGuarded(
        join(binDir, 'kube-controller-manager'),
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${controllerManagerPort}`,
          `--root-ca-file=${join(dir, 'ca.crt')}`,
          `--service-account-private-key-file=${join(dir, 'sa.key')}`,
          '--use-service-account-credentials=false',
          '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-persistentvolume-binder,-attachdetach,-persistentvolume-expander,-ephemeral-volume,-pvc-protection,-pv-protection,-ttl,-bootstrapsigner,-tokencleaner',
          `--horizontal-pod-autoscaler-sync-period=${options.hpaSyncPeriodSeconds ?? TEST_HPA_SYNC_PERIOD_SECONDS}s`,
          '--concurrent-gc-syncs=5',
        ],
        controllerManagerLog,
      ),
    );
    const schedulerLog = join(dir, 'kube-scheduler.log');
    children.push(
      startGuarded(
        join(binDir, 'kube-scheduler'),
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${schedulerPort}`,
        ],
        schedulerLog,
      ),
    );
    const kwokLog = join(dir, 'kwok.log');
    children.push(
      startGuarded(
        join(binDir, 'kwok'),
        [
          `--kubeconfig=${kubeconfigPath}`,
          '--manage-all-nodes=false',
          '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
          `--server-address=127.0.0.1:${kwokPort}`,
          '--node-ip=10.0.1.1',
          // Without a lease duration kwok keeps no node Leases, and the node lifecycle controller
          // marks every fake node NotReady about 50 s after start (its grace period, measured from
          // the last Lease renewal), turning every pod Ready=False until the next status heartbeat.
          `--node-lease-duration-seconds=${NODE_LEASE_DURATION_SECONDS}`,
          ...['node-initialize', 'node-heartbeat-with-lease', 'pod-ready', 'pod-complete', 'pod-delete'].map(
            (stage) => `--config=${join(stagesDir, `${stage}.yaml`)}`,
          ),
        ],
        kwokLog,
      ),
    );

    const nodeNames = Array.from({ length: options.nodes ?? 3 }, (_, i) => `kwok-node-${i}`);
    const kubectl = (args: string[], input?: string): string => {
      const result = spawnSync(join(binDir, 'kubectl'), [`--kubeconfig=${kubeconfigPath}`, ...args], { input, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    const nodes = nodeNames.map((name) => fakeNode(name)).join('\n---\n');
    await waitFor('node creation', async () => (kubectl(['apply', '-f', '-'], nodes), true), 30_000);
    await waitFor(
      'kwok nodes Ready',
      async () => {
        const ready = kubectl([
          'get',
          'nodes',
          '-o',
          'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
        ]);
        return ready.split('\n').filter((s) => s === 'True').length === nodeNames.length;
      },
      60_000,
      kwokLog,
    );
    log(`control plane up: ${nodeNames.length} kwok nodes Ready; KUBECONFIG=${kubeconfigPath}`);
    const restartApiServer = async (): Promise<void> => {
      await stopChild(apiServer);
      children.splice(children.indexOf(apiServer), 1);
      apiServer = startGuarded(join(binDir, 'kube-apiserver'), apiServerArgs, `${apiLog}.restarted`);
      children.splice(1, 0, apiServer);
      await waitFor(
        'kube-apiserver after a restart',
        async () => (await get(`${server}/readyz`, agent)).status === 200,
        120_000,
        `${apiLog}.restarted`,
      );
    };
    const compactEtcd = async (): Promise<number> => {
      // etcd's gRPC gateway: a range read reports the current revision in its header.
      const etcd = `http://127.0.0.1:${etcdPort}/v3/kv`;
      const post = async (path: string, body: object): Promise<Record<string, unknown>> => {
        const response = await fetch(`${etcd}/${path}`, { method: 'POST', body: JSON.stringify(body) });
        if (!response.ok) throw new Error(`etcd ${path}: ${response.status} ${await response.text()}`);
        return (await response.json()) as Record<string, unknown>;
      };
      const range = await post('range', { key: Buffer.from('/registry').toString('base64') });
      const revision = Number((range.header as { revision?: string } | undefined)?.revision);
      if (!Number.isFinite(revision)) throw new Error(`etcd gave no revision: ${JSON.stringify(range)}`);
      await post('compaction', { revision: String(revision), physical: true });
      return revision;
    };
    return { kubeconfigPath, server, binDir, dir, caPem: ca.certPem, admin, nodeNames, kubectl, restartApiServer, compactEtcd, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function fakeNode(name: string): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: ${name}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
spec: {}
status:
  allocatable: {cpu: "1000", memory: 4Ti, pods: "2000"}
  capacity: {cpu: "1000", memory: 4Ti, pods: "2000"}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kubeProxyVersion: fake}
`;
}

/** Installs the generated CRDs (PodPool, PodPoolClaim) with server-side apply and waits until they are established. */
export function installCrds(plane: Pick<ControlPlane, 'kubectl'>): void {
  plane.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], `${podPoolCrdYaml()}---\n${podPoolClaimCrdYaml()}`);
  plane.kubectl(['wait', '--for=condition=Established', 'crd/podpools.podpool.dev', 'crd/podpoolclaims.podpool.dev', '--timeout=60s']);
}
