/**
 * The KEDA stage of the local control plane: KEDA's six CRDs, its operator and metrics adapter
 * (built from Go modules by build-keda.sh, cached by version) as guarded children on loopback with
 * certificates of their own, and the v1beta1.external.metrics.k8s.io APIService routed to the
 * loopback adapter. kube-controller-manager already runs the HPA controller. Started only by the
 * suites and commands that need it (the e2e suite, `npm start -- --keda`).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runBuildScript, startGuarded, stopChild, waitFor, type ControlPlane } from './control-plane.js';
import { issueCertificate } from './pki.js';

const KEDA_NAMESPACE = 'keda';
const ADAPTER_SERVICE = 'keda-metrics-apiserver';
const EXTERNAL_METRICS_API_SERVICE = 'v1beta1.external.metrics.k8s.io';

export interface KedaStage {
  dir: string;
  operatorLog: string;
  adapterLog: string;
  stop(): Promise<void>;
}

export interface KedaOptions {
  log?: (line: string) => void;
}

/** Runs build-keda.sh (a no-op once cached) and returns the directory with bin/ and crds/. */
export function buildKeda(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): string {
  return runBuildScript('build-keda.sh', 'KEDA', log);
}

export async function startKeda(plane: ControlPlane, options: KedaOptions = {}): Promise<KedaStage> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const kedaDir = buildKeda(log);
  const dir = join(plane.dir, 'keda');
  mkdirSync(dir, { recursive: true });
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await stopChild(child);
    children.length = 0;
  };

  try {
    // Server-side apply: keda.sh_scaledjobs.yaml is too large for the last-applied annotation.
    const crdFiles = readdirSync(join(kedaDir, 'crds')).filter((name) => name.endsWith('.yaml'));
    for (const name of crdFiles) plane.kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(kedaDir, 'crds', name)]);
    // Polled rather than `kubectl wait`, which fails when a just-created CRD has no conditions yet.
    await waitFor(
      "KEDA's CRDs Established",
      async () =>
        ['scaledobjects.keda.sh', 'triggerauthentications.keda.sh'].every(
          (crd) => plane.kubectl(['get', 'crd', crd, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']) === 'True',
        ),
      60_000,
    );
    plane.kubectl(['create', 'namespace', KEDA_NAMESPACE]);

    // One CA and one leaf for the operator's gRPC metrics service (mutual TLS, so serverAuth and
    // clientAuth) and the adapter's HTTPS; the aggregator verifies <service>.<namespace>.svc.
    const ca = await issueCertificate({ commonName: 'podpool-local-keda-ca' });
    const leaf = await issueCertificate({
      commonName: 'keda',
      issuer: ca,
      leaf: {
        serverAuth: true,
        clientAuth: true,
        dnsNames: ['localhost', `keda-operator.${KEDA_NAMESPACE}.svc`, `${ADAPTER_SERVICE}.${KEDA_NAMESPACE}.svc`],
        ipAddresses: ['127.0.0.1'],
      },
    });
    const certDir = join(dir, 'certs');
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, 'ca.crt'), ca.certPem);
    writeFileSync(join(certDir, 'tls.crt'), leaf.certPem);
    writeFileSync(join(certDir, 'tls.key'), leaf.keyPem, { mode: 0o600 });

    const healthPort = await freePort();
    const metricsServicePort = await freePort();
    const adapterPort = await freePort();
    const adapterMetricsPort = await freePort();
    const env = { WATCH_NAMESPACE: '', KEDA_CLUSTER_OBJECT_NAMESPACE: KEDA_NAMESPACE, POD_NAMESPACE: KEDA_NAMESPACE };
    const operatorLog = join(dir, 'keda-operator.log');
    children.push(
      startGuarded(
        join(kedaDir, 'bin', 'keda-operator'),
        [
          `--kubeconfig=${plane.kubeconfigPath}`,
          `--cert-dir=${certDir}`,
          '--enable-cert-rotation=false',
          '--metrics-bind-address=0',
          `--health-probe-bind-address=127.0.0.1:${healthPort}`,
          `--metrics-service-bind-address=127.0.0.1:${metricsServicePort}`,
        ],
        operatorLog,
        env,
      ),
    );
    const adapterLog = join(dir, 'keda-adapter.log');
    children.push(
      startGuarded(
        join(kedaDir, 'bin', 'keda-adapter'),
        [
          `--kubeconfig=${plane.kubeconfigPath}`,
          `--lister-kubeconfig=${plane.kubeconfigPath}`,
          `--authentication-kubeconfig=${plane.kubeconfigPath}`,
          `--authorization-kubeconfig=${plane.kubeconfigPath}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${adapterPort}`,
          `--tls-cert-file=${join(certDir, 'tls.crt')}`,
          `--tls-private-key-file=${join(certDir, 'tls.key')}`,
          `--cert-dir=${certDir}`,
          `--metrics-service-address=127.0.0.1:${metricsServicePort}`,
          // A plain-HTTP metrics listener that cannot be turned off: a free port keeps it harmless.
          `--port=${adapterMetricsPort}`,
        ],
        adapterLog,
        env,
      ),
    );

    // Without kube-proxy the aggregator cannot reach a ClusterIP; for an ExternalName Service it
    // dials https://<externalName>:<APIService port>, which is the loopback adapter.
    plane.kubectl(['apply', '-f', '-'], routingManifests(adapterPort, ca.certPem));
    await waitFor(
      `the APIService ${EXTERNAL_METRICS_API_SERVICE} Available`,
      async () =>
        plane.kubectl([
          'get',
          'apiservice',
          EXTERNAL_METRICS_API_SERVICE,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Available")].status}',
        ]) === 'True',
      120_000,
      adapterLog,
    );
    await waitFor(
      'the KEDA operator healthy',
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
      60_000,
      operatorLog,
    );
    log(`KEDA up: operator health 127.0.0.1:${healthPort}, adapter https://127.0.0.1:${adapterPort}; logs in ${dir}`);
    return { dir, operatorLog, adapterLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function routingManifests(adapterPort: number, caPem: string): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${ADAPTER_SERVICE}, namespace: ${KEDA_NAMESPACE}}
spec:
  type: ExternalName
  externalName: 127.0.0.1
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: ${EXTERNAL_METRICS_API_SERVICE}}
spec:
  group: external.metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  caBundle: ${Buffer.from(caPem).toString('base64')}
  service: {name: ${ADAPTER_SERVICE}, namespace: ${KEDA_NAMESPACE}, port: ${adapterPort}}
`;
}

/** The in-cluster Service address the examples and the chart use for the scaler, for release `podpool`. */
export function inClusterScalerHost(releaseNamespace = 'podpool-system'): string {
  return `podpool-scaler.${releaseNamespace}.svc`;
}

/**
 * Points a ScaledObject written for an in-cluster install at an operator on loopback: there is no
 * cluster DNS on the local control plane. Nothing else in the manifest changes.
 */
export function pointAtLoopbackScaler(
  yaml: string,
  ports: { scalerPort: number; metricsPort: number },
  releaseNamespace = 'podpool-system',
): string {
  const host = inClusterScalerHost(releaseNamespace);
  return yaml.replaceAll(`${host}:9090`, `127.0.0.1:${ports.scalerPort}`).replaceAll(`${host}:8080`, `127.0.0.1:${ports.metricsPort}`);
}
