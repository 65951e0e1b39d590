// The `node` role: gossip member, leadership candidate, shard owner and data-plane server.
import { chaosNames, dataPaths, paths } from "../contract/meshkit.ts";
import { clock } from "./clock.ts";
import type { NodeConfig } from "./config.ts";
import { ChaosToggles } from "./control/chaos.ts";
import { type Health, startControlServer } from "./control/server.ts";
import { Gossiper } from "./gossip/gossiper.ts";
import { type Digest, Membership, type PeerMetadata } from "./gossip/membership.ts";
import { Elector } from "./leadership/elector.ts";
import { LeadershipEventStream } from "./leadership/events.ts";
import { createLogger } from "./log.ts";
import { createMetrics } from "./metrics.ts";
import { createRegistryClient } from "./registry/client.ts";
import { ShardTable, replicateSchema, snapshotSchema, writeSchema } from "./shards/shard-table.ts";
import { serveShards } from "./shards/shard-view.ts";
import { watchCertificates } from "./tls/certificates.ts";
import { createDataClient } from "./transport/data-client.ts";
import { startDataServer } from "./transport/data-server.ts";
import { sendJson } from "./transport/http-util.ts";
import { listenMtls } from "./transport/mtls-server.ts";
import { createPeerClient } from "./transport/peer-client.ts";
import { createRpcCore } from "./transport/rpc.ts";
import { startWorkload } from "./workload.ts";

export interface Running {
  readonly ready: Record<string, unknown>;
  stop(): Promise<void>;
}

const REGISTER_INTERVAL_MS = 2000;

export async function startMember(cfg: NodeConfig): Promise<Running> {
  const g = cfg.gossip;
  const log = createLogger("node", g.nodeId);
  const metrics = createMetrics();
  const chaos = new ChaosToggles(metrics);
  const certErr = (listener: string) => (e: Error) => log.warn("certificate reload failed; keeping the previous files", { listener, error: e.message });
  const gossipCerts = watchCertificates(g.tls, 1000, certErr("gossip"));
  const dataCerts = watchCertificates(cfg.transport.tls, 1000, certErr("data"));
  const health: Health = { readinessIssues: () => [], activeRequests: { value: 0 }, draining: false, drainedAt: null };

  // Gossip listener first: with port 0 the advertised address needs the bound port.
  let gossipHandlers: Record<string, (req: never, res: never, url: URL) => unknown> = {};
  const gossipListener = await listenMtls({
    name: "gossip",
    bindAddress: g.bindAddress,
    port: g.port,
    certs: gossipCerts,
    metrics,
    handler: (req, res, url) => {
      const h = gossipHandlers[`${req.method} ${url.pathname}`];
      if (h) return h(req as never, res as never, url) as Promise<void>;
      sendJson(res, 404, { error: `not found: ${req.method} ${url.pathname}` });
    },
  });

  const peerClient = createPeerClient(gossipCerts, () => metrics.tlsHandshakeFailures.inc({ listener: "gossip" }));
  const dataClient = createDataClient({ certs: dataCerts, metrics, preferUdp: cfg.transport.udp });

  let table: ShardTable | undefined;
  const rpc = createRpcCore(
    {
      [dataPaths.ping]: () => ({ nodeId: g.nodeId }),
      [dataPaths.write]: (b) => table!.write(writeSchema.parse(b)),
      [dataPaths.replicate]: (b) => table!.replicate(replicateSchema.parse(b)),
      [dataPaths.snapshot]: (b) => table!.snapshot(snapshotSchema.parse(b).shardId),
    },
    { draining: () => health.draining, chaos, activeRequests: health.activeRequests },
    dataCerts,
    metrics,
  );
  const dataServer = await startDataServer({
    bindAddress: cfg.transport.bindAddress,
    port: cfg.transport.port,
    udp: cfg.transport.udp,
    certs: dataCerts,
    metrics,
    chaos,
    rpc,
  });

  const self: Digest = {
    nodeId: g.nodeId,
    gossip: `${g.advertiseHost}:${gossipListener.port}`,
    data: `${g.advertiseHost}:${dataServer.port}`,
    inc: Date.now(),
    hb: 0,
    mv: 1,
  };
  const metadata: PeerMetadata = {
    role: g.role,
    clusterId: g.clusterId,
    region: g.region,
    meshVersion: g.meshVersion,
    http3Support: cfg.transport.udp,
    endpoint: `https://${self.data}`,
    metadataVersion: 1,
    labels: { ...g.labels },
  };
  const membership = new Membership(
    self,
    metadata,
    {
      suspicionMs: g.suspicionIntervalMs,
      leftAfterMs: g.suspicionIntervalMs + g.pingTimeoutMs * g.retransmitLimit,
      forgetAfterMs: 10 * 60_000,
    },
    g.seedPeers.some((p) => p !== self.gossip),
  );
  const addressOf = (id: string) => membership.addressOf(id);

  const registry = createRegistryClient(peerClient, cfg.registryAddress!, g.pingTimeoutMs);
  let registryPeers: string[] = [];
  let lastRegistryContact = -Infinity;
  const register = async (leaving = false) => {
    try {
      const peers = await registry.register({ nodeId: g.nodeId, gossip: self.gossip, data: self.data, metadata, leaving });
      registryPeers = peers.filter((p) => p.nodeId !== g.nodeId).map((p) => p.gossip);
      lastRegistryContact = performance.now();
    } catch (e) {
      log.warn("registry registration failed", { error: (e as Error).message });
    }
  };
  void register();
  const registerTimer = setInterval(() => void register(), REGISTER_INTERVAL_MS);

  const gossiper = new Gossiper({
    membership,
    client: peerClient,
    metrics,
    log,
    intervalMs: g.intervalMs,
    pingTimeoutMs: g.pingTimeoutMs,
    fanoutMin: g.fanoutMin,
    clusterId: g.clusterId,
    candidates: () => [...g.seedPeers, ...registryPeers],
    partitioned: () => chaos.get(chaosNames.gossipPartition) !== undefined,
  });
  gossipHandlers = gossiper.handlers() as typeof gossipHandlers;

  const events = new LeadershipEventStream();
  const elector = new Elector({
    nodeId: g.nodeId,
    scopes: cfg.leadership.scopes,
    leaseDurationMs: cfg.leadership.leaseDurationMs,
    renewalLeadTimeMs: cfg.leadership.renewalLeadTimeMs,
    evaluationIntervalMs: cfg.leadership.evaluationIntervalMs,
    registry,
    selfAlive: () => membership.selfAlive(),
    events,
    metrics,
    log,
  });

  table = new ShardTable({
    nodeId: g.nodeId,
    namespace: cfg.shards.namespace,
    count: cfg.shards.count,
    replicationFactor: cfg.shards.replicationFactor,
    metrics,
    log,
    client: dataClient,
    addressOf,
  });
  const shards = table;
  membership.onAliveSetChange(() => shards.rebalance(membership.aliveIds()));
  shards.rebalance(membership.aliveIds());

  health.readinessIssues = () => [
    ...(membership.selfAlive() ? [] : ["not Alive in its own gossip view"]),
    ...(performance.now() - lastRegistryContact > g.suspicionIntervalMs ? ["registry unreachable"] : []),
  ];

  const control = await startControlServer({
    bindAddress: cfg.control.bindAddress,
    port: cfg.control.port,
    metrics,
    chaos,
    health,
    routes: {
      [`GET ${paths.peers}`]: (_q, res) =>
        sendJson(res, 200, {
          schemaVersion: 1,
          generatedAt: clock.iso(),
          localNodeId: g.nodeId,
          peers: membership.peers().map((p) => ({
            nodeId: p.nodeId,
            status: p.status,
            lastSeen: p.lastSeen,
            rttMs: p.rttMs,
            metadata: p.metadata ?? { ...metadata, role: "", region: "", meshVersion: "", endpoint: `https://${p.data}`, metadataVersion: 0, labels: {} },
          })),
        }),
      [`GET ${paths.leaders}`]: (_q, res, url) => {
        const scope = url.searchParams.get("scope");
        sendJson(res, 200, {
          generatedAt: clock.iso(),
          tokens: elector.tokens().filter((t) => !scope || t.scope === scope),
        });
      },
      [`GET ${paths.leadershipEvents}`]: (req, res, url) =>
        events.serve(req, res, url, () => elector.tokens(), () => [...cfg.leadership.scopes]),
      [`GET ${paths.shards}`]: (req, res, url) => serveShards(req, res, url, () => shards.view()),
    },
  });

  gossiper.start();
  elector.start();
  const stopWorkload = startWorkload({
    ratePerSecond: cfg.workload.ratePerSecond,
    shardCount: cfg.shards.count,
    nodeId: g.nodeId,
    table: shards,
    client: dataClient,
    addressOf,
  });

  return {
    ready: {
      event: "ready",
      role: "node",
      nodeId: g.nodeId,
      controlPort: control.port,
      gossipPort: gossipListener.port,
      dataPort: dataServer.port,
    },
    async stop() {
      stopWorkload();
      clearInterval(registerTimer);
      await elector.stepDown();
      gossiper.stop();
      await Promise.allSettled([gossiper.announceLeave(), register(true)]);
      events.closeAll();
      gossipCerts.close();
      dataCerts.close();
      dataClient.close();
      peerClient.close();
      await Promise.allSettled([control.close(), gossipListener.close(), dataServer.close()]);
    },
  };
}
