// A real mesh on loopback: it forms with every peer Alive and one leader; the contract's endpoints and
// metric names are served; SIGTERM of the leader hands over within 2 s; SIGKILL gives a successor with
// a higher term within lease + 2 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chaosToggle,
  defaultLeadershipScope,
  defaults,
  leadershipEventKind,
  metrics,
  paths,
  shardScopeHeader,
} from "../../../contract/meshkit.ts";
import { type LocalMesh, startLocalMesh } from "../../../node/local/mesh.ts";
import { getJson, leaderAt, metricsText, peerStatuses, post, sample, type Token, waitFor } from "./helpers.ts";

describe("mesh formation and leadership", () => {
  let mesh: LocalMesh;
  const live = () => mesh.nodes.filter((n) => !n.exited());

  beforeAll(async () => {
    mesh = await startLocalMesh({ nodes: 5 });
  }, 120_000);
  afterAll(async () => {
    await mesh?.stop();
  }, 60_000);

  /** The leader every live node and the registry agree on. */
  const agreedLeader = async (): Promise<Token | undefined> => {
    const seen = await Promise.all([mesh.registry, ...live()].map((p) => leaderAt(p.controlUrl)));
    const first = seen[0];
    if (!first || seen.some((t) => !t || t.leaderId !== first.leaderId || t.term !== first.term)) return undefined;
    return first;
  };

  it("forms: every node sees every peer Alive, and exactly one leader", async () => {
    const ids = mesh.nodes.map((n) => n.nodeId).sort();
    await waitFor("all peers Alive everywhere", 30_000, async () => {
      const views = await Promise.all(mesh.nodes.map((n) => peerStatuses(n.controlUrl)));
      return views.every((v) => Object.keys(v).sort().join() === ids.join() && Object.values(v).every((s) => s === "Alive")) || undefined;
    });
    const leader = await waitFor("one agreed leader", 20_000, agreedLeader);
    expect(ids).toContain(leader.leaderId);
    const leaders = await Promise.all(
      mesh.nodes.map(async (n) => /mesh_leadership_is_leader\{mesh_scope="global-control"\} 1/.test(await metricsText(n.controlUrl))),
    );
    expect(leaders.filter(Boolean)).toHaveLength(1);
  });

  it("serves the contract's endpoints", async () => {
    const n = mesh.nodes[0]!.controlUrl;
    const peers = await getJson(`${n}${paths.peers}`);
    expect(peers.status).toBe(200);
    expect(peers.body).toMatchObject({ schemaVersion: 1, localNodeId: "node-1" });
    expect(Object.keys(peers.body.peers[0].metadata).sort()).toEqual(
      ["clusterId", "endpoint", "http3Support", "labels", "meshVersion", "metadataVersion", "region", "role"].sort(),
    );
    const leaders = await getJson(`${n}${paths.leaders}?scope=${defaultLeadershipScope}`);
    expect(Object.keys(leaders.body.tokens[0]).sort()).toEqual(
      ["expiresAt", "fenceToken", "issuedAt", "labels", "leaderId", "scope", "scopeKind", "term"].sort(),
    );

    expect((await getJson(`${n}${paths.shards}`)).status).toBe(403);
    expect((await getJson(`${n}${paths.shards}`, { [shardScopeHeader]: "mesh.admin" })).status).toBe(403);
    const shards = await getJson(`${n}${paths.shards}`, { [shardScopeHeader]: "mesh.read" });
    expect(shards.status).toBe(200);
    expect(shards.body.items).toHaveLength(defaults.shards.count);
    const owners = new Set(shards.body.items.map((s: { ownerNodeId: string }) => s.ownerNodeId));
    expect([...owners].every((o) => mesh.nodes.some((x) => x.nodeId === o))).toBe(true);
    expect((await getJson(`${mesh.registry.controlUrl}${paths.shards}`, { [shardScopeHeader]: "mesh.operate" })).status).toBe(200);

    expect((await getJson(`${n}${paths.healthz}`)).body).toMatchObject({ status: "ok", mode: "live", draining: false });
    expect((await getJson(`${n}${paths.readyz}`)).status).toBe(200);
    expect((await post(`${n}${paths.upgradeDrain}`)).body.draining).toBe(true);
    const notReady = await getJson(`${n}${paths.readyz}`);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({ status: "unavailable", mode: "ready", draining: true });
    // The workload's requests to the draining node are answered 503 (with Retry-After).
    await waitFor("503s while draining", 15_000, async () =>
      sample(await metricsText(n), metrics.httpRequestsCompleted.name, { http_response_status_code: "503" }) > 0 ? true : undefined,
    );
    expect((await post(`${n}${paths.upgradeResume}`)).body.draining).toBe(false);
    expect((await getJson(`${n}${paths.upgrade}`)).body.draining).toBe(false);

    expect((await post(`${n}${chaosToggle("no-such-fault", "start")}`)).status).toBe(404);
    expect((await post(`${n}${chaosToggle("failing-handlers", "start")}`, { share: 0.2 })).status).toBe(200);
    expect((await post(`${n}${chaosToggle("failing-handlers", "stop")}`)).status).toBe(200);

    // Every contract metric is exported (histograms by their base name) by nodes; the registry has its own.
    const text = await metricsText(n);
    for (const m of Object.values(metrics)) expect(text, m.name).toContain(`# TYPE ${m.name} ${m.type}`);
    expect(await metricsText(mesh.registry.controlUrl)).toContain(`# TYPE ${metrics.leadershipTransitions.name} counter`);
  });

  it("streams leadership events: a snapshot first", async () => {
    const ac = new AbortController();
    const r = await fetch(`${mesh.nodes[1]!.controlUrl}${paths.leadershipEvents}?scope=${defaultLeadershipScope}`, { signal: ac.signal });
    expect(r.headers.get("content-type")).toContain("text/event-stream");
    const reader = r.body!.getReader();
    let text = "";
    while (!text.includes("data: ")) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    const first = JSON.parse(/data: (.*)\n/.exec(text)![1]!);
    expect(first).toMatchObject({ eventKind: leadershipEventKind.Snapshot, scope: defaultLeadershipScope });
    expect(Object.keys(first).sort()).toEqual(["correlationId", "eventKind", "leaderId", "occurredAt", "reason", "scope", "token"]);
  });

  it("SIGTERM of the leader: lease released and a successor within 2 s", async () => {
    const before = await waitFor("agreed leader", 20_000, agreedLeader);
    const leader = mesh.nodes.find((n) => n.nodeId === before.leaderId)!;
    const t0 = Date.now();
    leader.child.kill("SIGTERM");
    const after = await waitFor("successor at the registry", 10_000, async () => {
      const t = await leaderAt(mesh.registry.controlUrl);
      return t && t.leaderId !== before.leaderId ? t : undefined;
    }, 50);
    const handover = Date.now() - t0;
    expect(after.term).toBeGreaterThan(before.term);
    expect(after.fenceToken).toBeGreaterThan(before.fenceToken);
    expect(handover).toBeLessThan(2000);
    expect((await leader.exit).code).toBe(0);
  });

  it("SIGKILL of the leader: successor with a higher term within lease + 2 s", async () => {
    const before = await waitFor("agreed leader", 20_000, agreedLeader);
    const leader = mesh.nodes.find((n) => n.nodeId === before.leaderId)!;
    const t0 = Date.now();
    leader.child.kill("SIGKILL");
    await leader.exit;
    const after = await waitFor("successor at the registry", 20_000, async () => {
      const t = await leaderAt(mesh.registry.controlUrl);
      return t && t.leaderId !== before.leaderId ? t : undefined;
    }, 100);
    const failover = Date.now() - t0;
    expect(after.term).toBeGreaterThan(before.term);
    expect(failover).toBeLessThan(defaults.leadership.leaseDurationMs + 2000);
    // The survivors agree on it.
    await waitFor("survivors agree", 10_000, async () => ((await agreedLeader())?.leaderId === after.leaderId ? true : undefined));
  });
});
