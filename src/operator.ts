/**
 * `podpool operator`: wires the roles around one informer cache. Every replica serves metrics
 * and health (and the scaler, webhook and reservations as they are enabled); only the leader
 * runs the controller.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConnectionReusingKubeConfig } from './kube/kube-config.js';
import { systemClock } from './clock.js';
import { ClaimCache, claimSourceOf } from './claims/claim-cache.js';
import { PodPoolClaimController } from './claims/controller.js';
import { KubeClaimStatusWriter } from './claims/kube-claim-writer.js';
import { PodPoolController } from './controller/controller.js';
import { KubePoolWriter } from './controller/kube-pool-writer.js';
import { Reconciler } from './controller/reconciler.js';
import { delay } from './kube/backoff.js';
import { isLeader, resetPoolGauges } from './metrics.js';
import { ClusterCache } from './kube/cache.js';
import { KubeEventRecorder } from './kube/events.js';
import { LeaderElector } from './kube/leader-election.js';
import type { Logger } from './log.js';
import {
  createReservationsRouter,
  KubeAuthenticator,
  KubeReservationPodWriter,
  KubeUnmetDemandWriter,
  UnmetDemandRecorder,
} from './reservations/index.js';
import { ScalerGrpcServer, type ScalerTls } from './scaler/grpc-server.js';
import { scalerHttpRouter } from './scaler/http-routes.js';
import { ScalerService } from './scaler/service.js';
import { closeServer, listen, metricsAndHealthApp } from './server.js';
import { ReloadableHttpsServer, startServingCertificates, type CertificateSource, type ServingCertificates } from './tls/index.js';
import { KubeLivePoolReader, webhookHandler } from './webhook/index.js';
import express from 'express';

export interface OperatorConfig {
  kubeconfigPath?: string | undefined;
  /** Namespace of the leader Lease (the operator's own namespace). */
  namespace: string;
  leaseName: string;
  identity: string;
  leaderElect: boolean;
  metricsPort: number;
  bindAddress: string;
  workers: number;
  /** gRPC port of the KEDA external scaler; 0 disables it. */
  scalerPort: number;
  scalerTls?: ScalerTls | undefined;
  /** HTTPS port of the admission webhook; 0 disables it. */
  webhookPort: number;
  /** HTTPS port of the reservation API; 0 disables it. */
  reservationsPort: number;
  certificates: CertificateSource;
}

export function defaultIdentity(): string {
  return `${process.env.POD_NAME ?? hostname()}-${randomBytes(3).toString('hex')}`;
}

export interface RunningOperator {
  kubeConfig: KubeConfig;
  cache: ClusterCache;
  controller: PodPoolController;
  metricsServer: Server;
  webhookServer?: ReloadableHttpsServer | undefined;
  reservationsServer?: ReloadableHttpsServer | undefined;
  stop(): Promise<void>;
}

export async function startOperator(config: OperatorConfig, log: Logger): Promise<RunningOperator> {
  const kubeConfig = new ConnectionReusingKubeConfig();
  if (config.kubeconfigPath !== undefined) kubeConfig.loadFromFile(config.kubeconfigPath);
  else kubeConfig.loadFromDefault();

  const cache = new ClusterCache(kubeConfig, log.child({ role: 'cache' }));
  const livePools = KubeLivePoolReader.fromKubeConfig(kubeConfig);
  const controllerLog = log.child({ role: 'controller' });
  const poolWriter = new KubePoolWriter(kubeConfig);
  const claims = new ClaimCache(claimSourceOf(kubeConfig), log.child({ role: 'claims-cache' }));
  const reconciler = new Reconciler({
    cache,
    pods: poolWriter,
    status: poolWriter,
    events: new KubeEventRecorder(kubeConfig, 'podpool-controller', log),
    clock: systemClock,
    log: controllerLog,
    claims,
  });
  const controller = new PodPoolController(cache, reconciler, controllerLog, { workers: config.workers });
  // A claim that starts or stops waiting moves the pool's warm count (back-orders).
  claims.onChange((key) => controller.enqueue(key));

  // Unmet demand is recorded by the reservation API on every replica and by the claim controller on the leader.
  const unmetDemand = new UnmetDemandRecorder(KubeUnmetDemandWriter.fromKubeConfig(kubeConfig), {
    log: log.child({ role: 'reservations' }),
  });
  const claimApi = KubeClaimStatusWriter.fromKubeConfig(kubeConfig);
  const claimController = new PodPoolClaimController({
    claims,
    pools: cache,
    podWriter: KubeReservationPodWriter.fromKubeConfig(kubeConfig),
    statusWriter: claimApi,
    readClaim: (namespace, name) => claimApi.readClaim(namespace, name),
    readPool: (namespace, name) => livePools.readPool(namespace, name),
    unmetDemand,
    events: new KubeEventRecorder(kubeConfig, 'podpool-claims', log),
    log: log.child({ role: 'claims' }),
    onPoolChange: (listener) => cache.onChange((key) => listener(key)),
    onClaimChange: (listener) => claims.onChange(listener),
  });
  const startControllers = (): void => {
    controller.start();
    claimController.start();
  };

  const scaler = new ScalerService(cache);
  // Ready only once the HTTPS servers serve their certificates too: a Service sends the API
  // server's admission calls to any Ready replica, and one still without certificates drops them.
  let httpsServing = config.webhookPort === 0 && config.reservationsPort === 0;
  const ready = (): { ok: boolean; detail: string } => {
    const informers = cache.healthy();
    return httpsServing ? informers : { ok: false, detail: `${informers.detail}; https: not serving yet` };
  };
  const app = metricsAndHealthApp({ ready }, [scalerHttpRouter(scaler)]);
  const metricsServer = await listen(app, config.metricsPort, config.bindAddress);
  await cache.start();
  await claims.start();

  let scalerServer: ScalerGrpcServer | undefined;
  if (config.scalerPort > 0) {
    scalerServer = new ScalerGrpcServer({ service: scaler, log: log.child({ role: 'scaler' }), tls: config.scalerTls });
    const grpcServer = scalerServer;
    cache.onChange((key) => grpcServer.notifyPoolChanged(key));
    await scalerServer.listen(config.scalerPort, config.bindAddress);
  }

  // HTTPS faces, served by every replica from the cache.
  const httpsServers: ReloadableHttpsServer[] = [];
  let webhookServer: ReloadableHttpsServer | undefined;
  let reservationsServer: ReloadableHttpsServer | undefined;
  if (config.webhookPort > 0) {
    webhookServer = new ReloadableHttpsServer('webhook', webhookHandler({ pools: cache, livePools, log: log.child({ role: 'webhook' }) }));
    httpsServers.push(webhookServer);
  }
  if (config.reservationsPort > 0) {
    const app = express();
    app.disable('x-powered-by');
    app.use(
      createReservationsRouter({
        source: cache,
        writer: KubeReservationPodWriter.fromKubeConfig(kubeConfig),
        authenticator: KubeAuthenticator.fromKubeConfig(kubeConfig),
        unmetDemand,
        log: log.child({ role: 'reservations' }),
      }),
    );
    reservationsServer = new ReloadableHttpsServer('reservations', app);
    httpsServers.push(reservationsServer);
  }
  let certificates: ServingCertificates | undefined;
  if (httpsServers.length > 0) {
    certificates = await startServingCertificates(config.certificates, kubeConfig, httpsServers, log.child({ role: 'certificates' }));
    if (webhookServer !== undefined) await webhookServer.listen(config.webhookPort, config.bindAddress);
    if (reservationsServer !== undefined) await reservationsServer.listen(config.reservationsPort, config.bindAddress);
    httpsServing = true;
  }

  let elector: LeaderElector | undefined;
  if (config.leaderElect) {
    elector = new LeaderElector(
      kubeConfig,
      {
        namespace: config.namespace,
        name: config.leaseName,
        identity: config.identity,
        onStartedLeading: startControllers,
        onStoppedLeading: () => {
          // After the last reconciles of the term, so none sets a gauge again once they are cleared.
          void controller.stop({ drain: false }).then(resetPoolGauges);
          void claimController.stop();
        },
      },
      log.child({ role: 'leader-election' }),
    );
    elector.start();
  } else {
    startControllers();
    isLeader.set(1);
  }
  log.info({ identity: config.identity, metricsPort: config.metricsPort, leaderElect: config.leaderElect }, 'operator started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info('shutting down: draining the controller, releasing the lease');
      await Promise.all([controller.stop(), claimController.stop()]);
      await elector?.stop();
      certificates?.stop();
      await scalerServer?.close();
      await Promise.all(httpsServers.map((server) => server.close()));
      // Counts of requests turned away just before shutdown still reach status if the API answers soon.
      const giveUp = new AbortController();
      await Promise.race([unmetDemand.settled(), delay(2_000, giveUp.signal)]);
      giveUp.abort();
      unmetDemand.close();
      await Promise.all([cache.stop(), claims.stop()]);
      await closeServer(metricsServer);
      await kubeConfig.closeConnections();
      log.info('stopped');
    })());
  return { kubeConfig, cache, controller, metricsServer, webhookServer, reservationsServer, stop };
}
