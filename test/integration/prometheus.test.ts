/**
 * The operator's metrics as a real Prometheus sees them: the distribution's prometheus binary on
 * loopback scrapes a running operator every second with the chart's rule file loaded. A burst of
 * reservations must come out of the recording rules as the availability the callers saw, every
 * rule must evaluate cleanly, and `promtool check metrics` must accept the scrape.
 */
import { readFileSync } from 'node:fs';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_LABEL, STATE_LABEL } from '../../src/api/labels.js';
import { promtool, startPrometheus, type RunningPrometheus } from '../../dev/cluster/prometheus.js';
import {
  adminKubeConfig,
  createNamespace,
  createPodPool,
  eventually,
  installCrd,
  kubectl,
  serviceAccountKubeconfig,
} from './support/cluster.js';
import { scrape } from '../../dev/probes/metrics.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator.js';
import { callReservations, type ReservationsAnswer } from '../../dev/probes/reservations-api.js';

const RULES = 'charts/podpool/files/rules.yaml';
const POOL = 'burst';
const POOL_SIZE = 6;
const WINDOWS = ['5m', '30m', '1h', '6h', '1d', '3d'];
const DASHBOARD = 'dashboards/podpool.json';

interface DashboardPanel {
  title: string;
  targets?: { expr: string }[];
}

/** A panel's PromQL as Grafana sends it with every namespace and pool selected. */
function asGrafanaSendsIt(expr: string): string {
  return expr.replaceAll('$namespace', '.*').replaceAll('$pool', '.*').replaceAll('$__rate_interval', '5m');
}

describe('metrics and rules in a real Prometheus', () => {
  let kc: KubeConfig;
  let namespace: string;
  let operator: OperatorProcess | undefined;
  let prometheus: RunningPrometheus | undefined;
  let token: string;
  let ca: string;

  const ready = async (): Promise<V1Pod[]> =>
    (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: `${POOL_LABEL}=${POOL},${STATE_LABEL}=ready` })).items;
  const reserve = (user: string, wait = ''): Promise<ReservationsAnswer> =>
    callReservations(
      { port: operator?.reservationsPort, ca },
      'POST',
      `/api/v1/namespaces/${namespace}/podpools/${POOL}/reservations${wait}`,
      token,
      { user },
    );
  const value = async (expr: string): Promise<number | undefined> => {
    const [sample] = (await prometheus?.query(expr)) ?? [];
    return sample === undefined ? undefined : Number(sample.value[1]);
  };
  const poolSelector = (): string => `namespace="${namespace}",pool="${POOL}"`;

  beforeAll(async () => {
    kc = adminKubeConfig();
    await installCrd(kc);
    namespace = await createNamespace(kc, 'prom');
    const operatorNamespace = await createNamespace(kc, 'promop');
    const rbac = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reserver, namespace: ${namespace}}
rules: [{apiGroups: [podpool.dev], resources: [podpools/reservations], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reserver, namespace: ${namespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reserver}
subjects: [{kind: ServiceAccount, name: frontend, namespace: ${namespace}}]
`;
    expect(kubectl(['apply', '-f', '-'], { input: rbac }).status).toBe(0);
    token = (await serviceAccountKubeconfig(kc, namespace, 'frontend')).token;
    operator = await startOperatorProcess({ leaseNamespace: operatorNamespace, identity: 'prom' });
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${operator.metricsPort}`], ruleFiles: [RULES], interval: '1s' });
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'podpool-tls', namespace: operatorNamespace });
    ca = Buffer.from(secret.data?.['ca-bundle.crt'] ?? secret.data?.['ca.crt'] ?? '', 'base64').toString();
    await createPodPool(kc, namespace, POOL, { replicas: POOL_SIZE, maxPoolSize: POOL_SIZE, warmupSeconds: 1 });
    await eventually(`${POOL_SIZE} ready pods`, async () => (await ready()).length === POOL_SIZE, 30_000);
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await operator?.stop();
  });

  it('records the availability the callers of a reservation burst saw, in every window, against the pool target', async () => {
    // Every outcome's series is in Prometheus at 0 before the first reservation, so rate() counts all of them.
    await eventually(
      'the outcome series at 0 in Prometheus',
      async () => (await prometheus?.query(`podpool_reservations_total{${poolSelector()}} == 0`))?.length === 4,
      15_000,
    );
    // More callers than ready pods, at once: some warm, the rest refused, and those that wait served cold by the refill.
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => reserve(`now-${i}`)),
      ...Array.from({ length: 3 }, (_, i) => reserve(`waits-${i}`, '?wait=30s')),
    ]);
    const outcome = (answer: ReservationsAnswer): string =>
      answer.status === 201 ? String(answer.body.outcome) : answer.status === 503 ? 'refused' : 'failed';
    const counts: Record<string, number> = {};
    for (const answer of answers) counts[outcome(answer)] = (counts[outcome(answer)] ?? 0) + 1;
    expect(counts.failed, JSON.stringify(answers.filter((a) => outcome(a) === 'failed'))).toBeUndefined();
    expect(counts.warm).toBeGreaterThan(0);
    expect(counts.refused ?? 0).toBeGreaterThan(0);
    const availability = (counts.warm ?? 0) / answers.length;

    await eventually(
      'Prometheus to scrape every answer',
      async () => (await value(`sum(podpool_reservations_total{${poolSelector()}})`)) === answers.length,
      15_000,
    );
    for (const [name, expected] of Object.entries(counts))
      expect(await value(`podpool_reservations_total{${poolSelector()},outcome="${name}"}`), name).toBe(expected);
    for (const window of WINDOWS) {
      const recorded = await eventually(
        `the ${window} availability recorded`,
        async () => {
          const current = await value(`namespace_pool:podpool_reservation_availability:ratio_rate${window}{${poolSelector()}}`);
          return current !== undefined && Math.abs(current - availability) < 1e-9 ? current : undefined;
        },
        10_000,
      ).catch(async (error: unknown) => {
        throw new Error(
          `${String(error)}; recorded ${await value(`namespace_pool:podpool_reservation_availability:ratio_rate${window}{${poolSelector()}}`)}, callers saw ${availability} (${JSON.stringify(counts)})`,
        );
      });
      expect(recorded).toBeCloseTo(availability, 9);
    }
    expect(await value(`namespace_pool:podpool_pool_availability_target:max{${poolSelector()}}`)).toBe(0.99);

    // The fast burn alert is pending (its `for` is 2 minutes) exactly when the burst burned over 14.4x the budget.
    const burning = 1 - availability > 14.4 * (1 - 0.99);
    const pending = await eventually(
      'the fast burn alert evaluated',
      async () => {
        const alerts = await prometheus?.query(`ALERTS{alertname="PodPoolErrorBudgetBurnFast",${poolSelector()}}`);
        return burning ? (alerts?.length === 1 ? alerts : undefined) : alerts;
      },
      10_000,
    );
    expect(pending.map((alert) => alert.metric.alertstate)).toEqual(burning ? ['pending'] : []);

    // Cold callers waited for the refill, and the histogram saw each of them.
    expect((await value(`sum(podpool_reservation_cold_wait_seconds_count{${poolSelector()}})`)) ?? 0).toBe(counts.cold ?? 0);
  }, 60_000);

  it('evaluates every recording rule and alert without an error', async () => {
    const response = await fetch(`${prometheus?.url}/api/v1/rules`);
    const body = (await response.json()) as {
      data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const rules = body.data.groups.flatMap((group) => group.rules);
    expect(rules.length).toBeGreaterThanOrEqual(16);
    expect(rules.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.health} ${rule.lastError ?? ''}`)).toEqual([]);
  });

  it('answers every query of the Grafana dashboard with data', async () => {
    // Traffic for the operator panels: the scaler's HTTP twin and one admission review.
    expect((await fetch(`http://127.0.0.1:${operator?.metricsPort}/scaler/v1/namespaces/${namespace}/podpools/${POOL}`)).status).toBe(200);
    await callReservations({ port: operator?.webhookPort, ca }, 'POST', '/mutate-v1-pod', undefined, {}).catch(() => undefined);
    await eventually(
      'two scrapes of the admission counter',
      async () => ((await value('count_over_time(podpool_admission_requests_total[1m])')) ?? 0) >= 2,
      15_000,
    );
    const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: DashboardPanel[] }).panels;
    const queries = panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: asGrafanaSendsIt(target.expr) })),
    );
    expect(queries.length).toBeGreaterThanOrEqual(20);
    const empty: string[] = [];
    for (const { panel, expr } of queries) if (((await prometheus?.query(expr)) ?? []).length === 0) empty.push(`${panel}: ${expr}`);
    expect(empty, 'dashboard queries that returned no data').toEqual([]);
  });

  it('serves a scrape promtool check metrics accepts, with the standard process and nodejs metrics', async () => {
    const text = await scrape(operator?.metricsPort ?? 0);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^podpool_reservations_total\{/m);
    const result = promtool(['check', 'metrics'], text);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });
});
