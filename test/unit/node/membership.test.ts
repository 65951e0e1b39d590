// Failure detection on real processes: a paused node (SIGSTOP) and a node whose gossip is cut off
// (chaos toggle dropping all gossip in and out) go Suspect, then Left, and rejoin when released.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chaosNames, chaosToggle, defaults, leftAfterMs, metrics } from "../../../contract/meshkit.ts";
import { type LocalMesh, type LocalProcess, startLocalMesh } from "../../../node/local/mesh.ts";
import { leaderAt, meshFormed, metricsText, peerStatuses, post, sample, waitFor } from "./helpers.ts";

describe("membership under faults", () => {
  let mesh: LocalMesh;
  beforeAll(async () => {
    mesh = await startLocalMesh({ nodes: 3, env: { mesh__workload__rate: "0" } });
    await meshFormed(mesh.nodes.map((n) => n.controlUrl));
  }, 120_000);
  afterAll(async () => {
    await mesh?.stop();
  }, 60_000);

  /** Waits until every observer reports `target` with `status`, and returns when that happened. */
  const seenAs = (observers: LocalProcess[], target: string, status: string, deadlineMs: number) =>
    waitFor(`${target} ${status} at ${observers.map((o) => o.nodeId).join(",")}`, deadlineMs, async () => {
      const v = await Promise.all(observers.map((o) => peerStatuses(o.controlUrl)));
      return v.every((x) => x[target] === status) ? Date.now() : undefined;
    });

  const suspicion = defaults.gossip.suspicionIntervalMs;

  it("a SIGSTOP'd node goes Suspect, then Left, and rejoins after SIGCONT", async () => {
    const [a, b, paused] = mesh.nodes as [LocalProcess, LocalProcess, LocalProcess];
    const t0 = Date.now();
    paused.child.kill("SIGSTOP");
    try {
      const suspectAt = await seenAs([a, b], paused.nodeId, "Suspect", suspicion + 10_000);
      expect(suspectAt - t0).toBeGreaterThanOrEqual(suspicion - 1500);
      const leftAt = await seenAs([a, b], paused.nodeId, "Left", leftAfterMs + 10_000);
      expect(leftAt - t0).toBeGreaterThanOrEqual(leftAfterMs - 1500);
      await waitFor("left gauge", 3000, async () =>
        sample(await metricsText(a.controlUrl), metrics.gossipMembers.name, { mesh_status: "left" }) === 1 ? true : undefined,
      );
    } finally {
      paused.child.kill("SIGCONT");
    }
    await seenAs([a, b], paused.nodeId, "Alive", 15_000);
    const own = await waitFor("resumed node sees everyone Alive", 15_000, async () => {
      const v = await peerStatuses(paused.controlUrl);
      return Object.values(v).every((s) => s === "Alive") ? v : undefined;
    });
    expect(Object.keys(own)).toHaveLength(3);
  });

  // One retry: about one run in eight on a loaded 2-core machine, a point-in-time view check after
  // Left saw a transient state (each view is printed when it fails). A real regression fails twice.
  it("a leader cut off from gossip is Suspect then Left on the other side, stops leading, and heals", { retry: 1 }, async () => {
    const leader = await waitFor("a leader", 20_000, () => leaderAt(mesh.registry.controlUrl));
    const cut = mesh.nodes.find((n) => n.nodeId === leader.leaderId)!;
    const [a, b] = mesh.nodes.filter((n) => n !== cut) as [LocalProcess, LocalProcess];
    expect((await post(`${cut.controlUrl}${chaosToggle(chaosNames.gossipPartition, "start")}`)).status).toBe(200);
    try {
      await seenAs([a, b], cut.nodeId, "Suspect", suspicion + 10_000);
      // It no longer sees itself Alive, so it does not renew: a connected node takes over.
      const successor = await waitFor("a connected successor", suspicion + defaults.leadership.leaseDurationMs + 5000, async () => {
        const t = await leaderAt(mesh.registry.controlUrl);
        return t && t.leaderId !== cut.nodeId ? t : undefined;
      });
      expect(successor.term).toBeGreaterThan(leader.term);
      await seenAs([a, b], cut.nodeId, "Left", leftAfterMs + 10_000);
      // Both sides of the cut see it: the isolated node no longer sees the others (nor itself) Alive.
      const own = await peerStatuses(cut.controlUrl);
      const seen = `${cut.nodeId} sees ${JSON.stringify(own)}`;
      expect(own[a.nodeId], seen).not.toBe("Alive");
      expect(own[cut.nodeId], seen).toBe("Suspect");
      const now = await leaderAt(mesh.registry.controlUrl);
      expect(now?.leaderId, `registry leader ${JSON.stringify(now)}`).not.toBe(cut.nodeId);
      expect(sample(await metricsText(cut.controlUrl), metrics.isLeader.name), "is_leader of the cut node").toBe(0);
    } finally {
      await post(`${cut.controlUrl}${chaosToggle(chaosNames.gossipPartition, "stop")}`);
    }
    await seenAs([a, b], cut.nodeId, "Alive", 15_000);
    await seenAs([cut], a.nodeId, "Alive", 15_000);
  });
});
