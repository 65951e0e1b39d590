import { describe, expect, it } from "vitest";
import { leaderScopeOf, parseTargets, resolveTargets, TargetError, type Topology } from "../../../faults/targets.ts";

const topology: Topology = {
  nodes: ["node-1", "node-2", "node-3"],
  leaders: { "global-control": "node-2", "shard/default/7": "node-3", "shard/default/9": null },
};
const five: Topology = { nodes: ["node-1", "node-2", "node-3", "node-4", "node-5"], leaders: {} };

describe("target selectors", () => {
  it("resolves names, all, role:leader and lists, in topology order without duplicates", () => {
    expect(resolveTargets("node-2", topology, 1)).toEqual(["node-2"]);
    expect(resolveTargets("node-3,node-1", topology, 1)).toEqual(["node-1", "node-3"]);
    expect(resolveTargets("all", topology, 1)).toEqual(["node-1", "node-2", "node-3"]);
    expect(resolveTargets("role:leader", topology, 1)).toEqual(["node-2"]);
    expect(resolveTargets("role:leader:shard/default/7", topology, 1)).toEqual(["node-3"]);
    expect(resolveTargets("role:leader,node-2,node-1", topology, 1)).toEqual(["node-1", "node-2"]);
  });

  it("picks count:N and percent:P deterministically for a seed", () => {
    const a = resolveTargets("count:2", five, "run-abc");
    expect(a).toHaveLength(2);
    expect(new Set(a).size).toBe(2);
    for (let i = 0; i < 5; i++) expect(resolveTargets("count:2", five, "run-abc")).toEqual(a);
    // percent rounds up, at least one node
    expect(resolveTargets("percent:40", five, 7)).toHaveLength(2);
    expect(resolveTargets("percent:41", five, 7)).toHaveLength(3);
    expect(resolveTargets("percent:1", five, 7)).toHaveLength(1);
    expect(resolveTargets("percent:100", five, 7)).toEqual(five.nodes);
    expect(resolveTargets("count:5", five, 7)).toEqual(five.nodes);
  });

  it("spreads random picks over the nodes as the seed changes", () => {
    const seen = new Map<string, number>();
    for (let seed = 0; seed < 300; seed++) {
      const [n] = resolveTargets("count:1", five, seed);
      seen.set(n as string, (seen.get(n as string) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(five.nodes);
    for (const count of seen.values()) expect(count).toBeGreaterThan(30);
  });

  it("names what is wrong and what the environment has", () => {
    expect(() => resolveTargets("node-9", topology, 1)).toThrow("target node-9 is not in the environment (nodes: node-1, node-2, node-3)");
    expect(() => resolveTargets("percent:150", topology, 1)).toThrow("target percent:150 out of range 1..100");
    expect(() => resolveTargets("percent:0", topology, 1)).toThrow("target percent:0 out of range 1..100");
    expect(() => resolveTargets("count:4", topology, 1)).toThrow("target count:4 but only 3 node(s) can be chosen (node-1, node-2, node-3)");
    expect(() => resolveTargets("count:0", topology, 1)).toThrow("count:N with N a whole number ≥ 1");
    expect(() => resolveTargets("role:leader:shard/default/9", topology, 1)).toThrow(
      "role:leader: scope shard/default/9 has no leader right now",
    );
    expect(() => resolveTargets("role:leader", { nodes: ["node-1"], leaders: { "global-control": null } }, 1)).toThrow(
      "role:leader: scope global-control has no leader right now",
    );
    expect(() => resolveTargets("role:leader:nope", topology, 1)).toThrow(
      "role:leader:nope: scope nope is not known (scopes: global-control, shard/default/7, shard/default/9)",
    );
    expect(() => resolveTargets("role:follower", topology, 1)).toThrow("the only role is leader");
    expect(() => resolveTargets("node-1,,node-2", topology, 1)).toThrow("has an empty item");
    expect(() => resolveTargets("node 1", topology, 1)).toThrow("'node 1' is not understood");
    expect(() => resolveTargets("registry", topology, 1)).toThrow("the registry cannot be a target of this fault");
    expect(() => resolveTargets("node-9", topology, 1)).toThrow(TargetError);
  });

  it("resolves a second group that may hold the registry and must not overlap the first", () => {
    const peers = { what: "peer", allowRegistry: true, exclude: ["node-2"] };
    expect(resolveTargets("registry,node-1", topology, 1, peers)).toEqual(["node-1", "registry"]);
    expect(resolveTargets("all", topology, 1, peers)).toEqual(["node-1", "node-3"]);
    expect(resolveTargets("count:2", topology, 1, peers)).toEqual(["node-1", "node-3"]);
    expect(() => resolveTargets("node-2", topology, 1, peers)).toThrow("peer node-2 is also in the other group (node-2)");
    expect(() => resolveTargets("count:3", topology, 1, peers)).toThrow("peer count:3 but only 2 node(s) can be chosen (node-1, node-3)");
    expect(() => resolveTargets("node-7", topology, 1, peers)).toThrow("peer node-7 is not in the environment (nodes: node-1, node-2, node-3, registry)");
  });

  it("parses without an environment and tells a leader selector apart", () => {
    expect(parseTargets("node-1,count:2,percent:50,role:leader:x")).toEqual([
      { type: "node", name: "node-1" },
      { type: "count", count: 2 },
      { type: "percent", percent: 50 },
      { type: "leader", scope: "x" },
    ]);
    expect(leaderScopeOf("role:leader")).toBe("global-control");
    expect(leaderScopeOf("role:leader:shard/a/1")).toBe("shard/a/1");
    expect(leaderScopeOf("node-1")).toBeNull();
    expect(leaderScopeOf("role:leader,node-1")).toBeNull();
  });
});
