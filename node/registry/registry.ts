// The `registry` role: lease store, peer registration and shard map, with its own /control/*,
// health and metrics. Its API is mutual TLS on the gossip port; /control/* is plain HTTP.
import { createHash } from "node:crypto";
import type { PeerStatus } from "../../contract/meshkit.ts";
import { chaosNames, leadershipTransition, paths, registryPaths, shardStatus } from "../../contract/meshkit.ts";
import { clock } from "../clock.ts";
import type { NodeConfig } from "../config.ts";
import { ChaosToggles } from "../control/chaos.ts";
import { type Health, startControlServer } from "../control/server.ts";
import { leadershipEvent, LeadershipEventStream } from "../leadership/events.ts";
import { acquireRequestSchema, releaseRequestSchema, scopeKindLabel } from "../leadership/lease.ts";
import { LeaseStore } from "../leadership/lease-store.ts";
import { createLogger } from "../log.ts";
import type { Running } from "../member.ts";
import { createMetrics } from "../metrics.ts";
import { assignment } from "../shards/rendezvous.ts";
import { serveShards } from "../shards/shard-view.ts";
import { watchCertificates } from "../tls/certificates.ts";
import { readJson, route, sendJson } from "../transport/http-util.ts";
import { listenMtls } from "../transport/mtls-server.ts";
import { type Registration, registrationSchema } from "./protocol.ts";

interface Registered {
  reg: Registration;
  lastSeen: number;
  lastSeenWall: number;
  left: boolean;
}

export async function startRegistry(cfg: NodeConfig): Promise<Running> {
  const g = cfg.gossip;
  const log = createLogger("registry", g.nodeId);
  const metrics = createMetrics();
  const chaos = new ChaosToggles(metrics);
  const certs = watchCertificates(g.tls, 1000, (e) => log.warn("certificate reload failed", { error: e.message }));
  const health: Health = { readinessIssues: () => [], activeRequests: { value: 0 }, draining: false, drainedAt: null };
  const store = new LeaseStore();
  const events = new LeadershipEventStream();
  const peers = new Map<string, Registered>();
  const leftAfter = g.suspicionIntervalMs + g.pingTimeoutMs * g.retransmitLimit;

  store.onEvent((e) => {
    events.publish(leadershipEvent(e.kind, e.token.scope, e.token, e.reason));
    metrics.leadershipTransitions.inc({
      mesh_scope: e.token.scope,
      mesh_scope_kind: scopeKindLabel(e.token.scope),
      mesh_leader: e.token.leaderId,
      mesh_transition: leadershipTransition[e.kind],
    });
    metrics.leaderTerm.set({ mesh_scope: e.token.scope }, e.token.term);
    if (e.kind !== "Renewed") log.info(`lease ${e.kind}`, { scope: e.token.scope, leader: e.token.leaderId, term: e.token.term });
  });
  const sweep = setInterval(() => store.expire(), 250);

  const statusOf = (r: Registered): PeerStatus => {
    if (r.left) return "Left";
    const age = performance.now() - r.lastSeen;
    return age <= g.suspicionIntervalMs ? "Alive" : age <= leftAfter ? "Suspect" : "Left";
  };
  const alive = () => [...peers.values()].filter((r) => statusOf(r) === "Alive").map((r) => r.reg.nodeId).sort();

  let mapVersion = 0;
  let lastAlive = "";
  const shardView = () => {
    const members = alive();
    if (members.join(",") !== lastAlive) {
      lastAlive = members.join(",");
      mapVersion++;
    }
    const owners = assignment(cfg.shards.namespace, cfg.shards.count, members);
    return {
      version: mapVersion,
      items: owners.map((owner, shardId) => ({
        namespace: cfg.shards.namespace,
        shardId,
        strategyId: "rendezvous",
        ownerNodeId: owner,
        leaderId: owner,
        capacityHint: 1,
        status: owner ? shardStatus.Active : shardStatus.Unassigned,
        version: mapVersion,
        checksum: createHash("sha256").update(`${shardId}:${owner}`).digest("hex").slice(0, 16),
        updatedAt: clock.iso(),
      })),
    };
  };

  const gauges = setInterval(() => {
    const c = { alive: 0, suspect: 0, left: 0 };
    for (const r of peers.values()) c[statusOf(r).toLowerCase() as keyof typeof c]++;
    for (const [k, v] of Object.entries(c)) metrics.gossipMembers.set({ mesh_status: k }, v);
  }, 1000);

  const apiRoutes = route({
      [`POST ${registryPaths.register}`]: async (req, res) => {
        const reg = await readJson(req, registrationSchema);
        peers.set(reg.nodeId, { reg, lastSeen: performance.now(), lastSeenWall: clock.now(), left: !!reg.leaving });
        sendJson(res, 200, {
          peers: [...peers.values()].filter((r) => statusOf(r) !== "Left").map((r) => ({ nodeId: r.reg.nodeId, gossip: r.reg.gossip })),
        });
      },
      [`POST ${registryPaths.acquire}`]: async (req, res) => {
        const b = await readJson(req, acquireRequestSchema);
        sendJson(res, 200, store.acquire(b.scope, b.nodeId, b.durationMs, { term: b.seenTerm, fence: b.seenFence, renewFence: b.renewFence }));
      },
      [`POST ${registryPaths.release}`]: async (req, res) => {
        const b = await readJson(req, releaseRequestSchema);
        sendJson(res, 200, { released: store.release(b.scope, b.nodeId, b.fenceToken) });
      },
      [`GET ${registryPaths.leases}`]: (_q, res) => sendJson(res, 200, { tokens: store.tokens() }),
    });
  const api = await listenMtls({
    name: "registry",
    bindAddress: g.bindAddress,
    port: g.port,
    certs,
    metrics,
    // The gossip-partition toggle on the registry cuts its API off: a registry outage on demand.
    handler: (req, res, url) => (chaos.get(chaosNames.gossipPartition) ? void req.socket.destroy() : apiRoutes(req, res, url)),
  });

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
          peers: [...peers.values()]
            .sort((a, b) => a.reg.nodeId.localeCompare(b.reg.nodeId))
            .map((r) => ({
              nodeId: r.reg.nodeId,
              status: statusOf(r),
              lastSeen: new Date(r.lastSeenWall).toISOString(),
              rttMs: null,
              metadata: r.reg.metadata,
            })),
        }),
      [`GET ${paths.leaders}`]: (_q, res, url) =>
        sendJson(res, 200, { generatedAt: clock.iso(), tokens: store.tokens(url.searchParams.get("scope") ?? undefined) }),
      [`GET ${paths.leadershipEvents}`]: (req, res, url) =>
        events.serve(req, res, url, () => store.tokens(), () => [...new Set([...cfg.leadership.scopes, ...store.tokens().map((t) => t.scope)])]),
      [`GET ${paths.shards}`]: (req, res, url) => serveShards(req, res, url, shardView),
    },
  });

  return {
    ready: { event: "ready", role: "registry", nodeId: g.nodeId, controlPort: control.port, gossipPort: api.port },
    async stop() {
      clearInterval(sweep);
      clearInterval(gauges);
      events.closeAll();
      certs.close();
      await Promise.allSettled([control.close(), api.close()]);
    },
  };
}
