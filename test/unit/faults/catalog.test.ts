// The catalog as the CLI and the run stack use it: parsing `fault apply KIND --target --set
// --duration`, planning against a topology, apply bodies, capability checks, `fault kinds --json`.

import { describe, expect, it } from "vitest";
import { faultInputMessage } from "../../support/fault-input.ts";
import { agentParams } from "../../../agent/params.ts";
import type { Capabilities } from "../../../agent/protocol.ts";
import { faultKinds } from "../../../contract/meshkit.ts";
import {
  applyRequests,
  catalog,
  faultKindsInfo,
  FaultInputError,
  missingFor,
  parseFaultRequest,
  planFault,
  TargetError,
  userParamsSchema,
  type Topology,
} from "../../../faults/index.ts";

const topology: Topology = { nodes: ["node-1", "node-2", "node-3", "node-4", "node-5"], leaders: { "global-control": "node-4" } };

const message = faultInputMessage;

describe("parsing a fault request", () => {
  it("rejects an unknown kind with a did-you-mean and the list of kinds", () => {
    const m = message(() => parseFaultRequest({ kind: "lag", targets: "node-1" }));
    expect(m).toBe(`unknown fault kind 'lag' (did you mean 'network-latency'?); kinds: ${faultKinds.join(", ")}`);
    expect(message(() => parseFaultRequest({ kind: "network-latncy", targets: "node-1" }))).toContain("did you mean 'network-latency'?");
    expect(message(() => parseFaultRequest({ kind: "partition", targets: "node-1" }))).toContain("did you mean 'network-partition'?");
    expect(message(() => parseFaultRequest({ kind: "zzzzzzzz", targets: "node-1" }))).not.toContain("did you mean");
  });

  it("rejects unknown keys with a did-you-mean, and reports every problem at once", () => {
    const e = (() => {
      try {
        parseFaultRequest({ kind: "network-latency", targets: "node-1", set: { dealy: "1s", jitter: "20s", correlation: "x" }, duration: "2d" });
      } catch (err) {
        return err as FaultInputError;
      }
      throw new Error("no error");
    })();
    expect(e.problems).toEqual([
      "network-latency: unknown parameter 'dealy' (did you mean 'delay'?); parameters: delay, jitter, correlation, peers, intensity",
      "network-latency: duration=2d is not a duration: expected a number with a unit (ms, s, m, h), e.g. 500ms, 30s, 2m, 1h, 1m30s",
      "network-latency: jitter=20s is out of bounds: expected 0s..10s",
      "network-latency: correlation=x is not a number; expected 0..100 %",
    ]);
  });

  it("points duration and targets to their own options", () => {
    expect(message(() => parseFaultRequest({ kind: "process-kill", targets: "node-1", set: { duration: "30s" } }))).toContain(
      "duration is not a --set parameter; give it as --duration",
    );
    expect(message(() => parseFaultRequest({ kind: "process-kill", targets: "node-1", set: { target: "node-2" } }))).toContain(
      "targets are not a --set parameter; give them as --target",
    );
  });

  it("coerces strings from --set and typed values from a scenario to the same request", () => {
    const fromCli = parseFaultRequest({ kind: "packet-loss", targets: "node-1", set: { loss: "12.5", peers: "node-2,registry" }, duration: "1m" });
    const fromScenario = parseFaultRequest({ kind: "packet-loss", targets: "node-1", set: { loss: 12.5, peers: "node-2,registry" }, duration: 60_000 });
    expect(fromScenario).toEqual(fromCli);
    expect(fromCli).toMatchObject({ durationMs: 60_000, intensity: 0.125, params: { loss: 12.5, peers: "node-2,registry" }, given: ["loss", "peers"] });
    const names = parseFaultRequest({ kind: "dns-failure", targets: "node-1", set: { names: ["a.example", "*.svc"] } });
    expect(names.params.names).toEqual(["a.example", "*.svc"]);
  });

  it("reads units: durations, rates, percentages and shares", () => {
    const p = (kind: string, set: Record<string, string>) => parseFaultRequest({ kind, targets: "node-1", set }).params;
    expect(p("network-latency", { delay: "0.25s", jitter: "15ms" })).toMatchObject({ delay: 250, jitter: 15 });
    expect(p("bandwidth", { rate: "2.5mbit" })).toMatchObject({ rate: 2_500 });
    expect(p("bandwidth", { rate: "1gbit" })).toMatchObject({ rate: 1_000_000 });
    expect(p("clock-skew", { offset: "-1h30m" })).toMatchObject({ offset: -5_400_000 });
    expect(message(() => p("bandwidth", { rate: "1mbps" }))).toContain("bandwidth: rate=1mbps is not a rate; expected a number with a unit (bit, kbit, mbit, gbit)");
    expect(message(() => p("bandwidth", { rate: "12.5kbit" }))).toContain("not a whole number of kbit/s");
    expect(message(() => p("cpu-stress", { workers: "1.5" }))).toContain("cpu-stress: workers=1.5 is not a whole number; expected 1..64 workers");
    expect(message(() => p("http-fault", { share: "30%" }))).toContain("http-fault: share=30% is not a number; expected 0.001..1 share");
    expect(message(() => p("dns-failure", { mode: "refused" }))).toContain("dns-failure: mode=refused is not one of nxdomain, servfail, timeout");
    expect(message(() => p("dns-failure", { names: "a b" }))).toContain("names: 'a b' is not a DNS name pattern");
  });

  it("derives intensity from an explicit knob, and the knob from intensity", () => {
    expect(parseFaultRequest({ kind: "network-latency", targets: "node-1", set: { delay: "250ms" } }).intensity).toBe(0.25);
    expect(parseFaultRequest({ kind: "network-latency", targets: "node-1", set: { delay: "5s" } }).intensity).toBe(1);
    expect(parseFaultRequest({ kind: "network-latency", targets: "node-1", set: { intensity: "0.3" } }).params.delay).toBe(300);
    expect(parseFaultRequest({ kind: "process-kill", targets: "node-1", set: { intensity: "0.2" } }).params.signal).toBe("SIGTERM");
    expect(parseFaultRequest({ kind: "process-kill", targets: "node-1", set: { signal: "SIGTERM" } }).intensity).toBe(0);
    expect(parseFaultRequest({ kind: "bandwidth", targets: "node-1", set: { intensity: "1" } }).params.rate).toBe(8);
    expect(message(() => parseFaultRequest({ kind: "disk-fill", targets: "node-1", set: { intensity: "1" } }))).toBe(
      "disk-fill: intensity=1 → fill=100 is out of bounds: expected 1..99 % (fill = intensity × 100 % of the data volume (default 0.8 = 80 %)); change intensity or set fill",
    );
  });

  it("requires --target where the kind needs one and refuses it where it takes none", () => {
    expect(message(() => parseFaultRequest({ kind: "network-partition" }))).toBe(
      "network-partition needs --target: node names (node-2), all, count:N, percent:P or role:leader[:scope]",
    );
    expect(message(() => parseFaultRequest({ kind: "membership-surge", targets: "node-1" }))).toContain("membership-surge takes no --target");
    expect(message(() => parseFaultRequest({ kind: "process-kill", targets: "percent:150" }))).toBe("process-kill: target percent:150 out of range 1..100");
  });

  it("leader-kill: targets role:leader of its scope, a scope given either way, and nothing else", () => {
    expect(parseFaultRequest({ kind: "leader-kill" })).toMatchObject({ targets: "role:leader:global-control", params: { scope: "global-control" } });
    expect(parseFaultRequest({ kind: "leader-kill", set: { scope: "shard/default/3" } })).toMatchObject({ targets: "role:leader:shard/default/3" });
    expect(parseFaultRequest({ kind: "leader-kill", targets: "role:leader:shard/default/3" }).params.scope).toBe("shard/default/3");
    expect(message(() => parseFaultRequest({ kind: "leader-kill", targets: "role:leader:a", set: { scope: "b" } }))).toContain(
      "--target names scope a but --set scope=b",
    );
    expect(message(() => parseFaultRequest({ kind: "leader-kill", targets: "node-2" }))).toBe(
      "leader-kill: the target must be role:leader[:<scope>] (or omit --target); to kill node-2 whatever its role, use process-kill",
    );
    expect(message(() => parseFaultRequest({ kind: "http-fault", targets: "node-1", set: { delay: "1s" } }))).toContain(
      "delay applies to mode=delay only",
    );
  });
});

describe("user parameter schemas", () => {
  it("check each value with its unit and bounds and refuse unknown keys, for scenario files", () => {
    const schema = userParamsSchema("network-latency");
    expect(schema.parse({ delay: "150ms", peers: "node-2", intensity: 0.2 })).toEqual({ delay: 150, peers: "node-2", intensity: 0.2 });
    const bad = schema.safeParse({ delay: "11s", lag: 1 });
    expect(bad.success).toBe(false);
    const text = bad.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n") ?? "";
    expect(text).toContain("delay: delay=11s is out of bounds: expected 1ms..10s");
    expect(text).toContain("lag");
  });
});

describe("planning", () => {
  it("resolves the leader from the topology and says when there is none", () => {
    const r = parseFaultRequest({ kind: "leader-kill" });
    expect(planFault(r, topology, 1).agentRequests.map((a) => a.node)).toEqual(["node-4"]);
    expect(() => planFault(r, { ...topology, leaders: { "global-control": null } }, 1)).toThrow(
      "role:leader: scope global-control has no leader right now",
    );
    expect(() => planFault(parseFaultRequest({ kind: "process-kill", targets: "node-9" }), topology, 1)).toThrow(TargetError);
  });

  it("dry-run and run with the same seed act on the same nodes; ids are fresh unless fixed", () => {
    const r = parseFaultRequest({ kind: "network-partition", targets: "count:2", set: { peers: "count:1" } });
    const a = planFault(r, topology, "run-1");
    const b = planFault(r, topology, "run-1");
    expect(b.agentRequests).toEqual(a.agentRequests);
    expect(b.description).toBe(a.description);
    expect(a.targets).toHaveLength(2);
    const peers = a.agentRequests[0]?.params.peers as string[];
    expect(peers).toHaveLength(1);
    expect(a.targets).not.toContain(peers[0]);
    expect(a.id).not.toBe(b.id);
    expect(planFault(r, topology, "run-1", { id: "part-000001" }).id).toBe("part-000001");
    expect(() => planFault(r, topology, 1, { id: "Bad Id" })).toThrow("fault id 'Bad Id' is not valid");
  });

  it("partition: with only targets, each target is cut off from every non-target node and the registry", () => {
    const p = planFault(parseFaultRequest({ kind: "network-partition", targets: "node-1,node-2" }), topology, 1);
    expect(p.agentRequests.map((a) => [a.node, a.params])).toEqual([
      ["node-1", { peers: ["node-3", "node-4", "node-5", "registry"], direction: "both" }],
      ["node-2", { peers: ["node-3", "node-4", "node-5", "registry"], direction: "both" }],
    ]);
    expect(p.description).toBe(
      "would add iptables DROP between {node-1, node-2} and {node-3, node-4, node-5, registry} both ways on node-1 and node-2 for 30 s",
    );
    const oneWay = planFault(parseFaultRequest({ kind: "network-partition", targets: "node-1", set: { peers: "node-2", direction: "outbound" } }), topology, 1);
    expect(oneWay.description).toBe("would add iptables DROP from node-1 to node-2 (one way: outbound) on node-1 for 30 s");
    expect(() => planFault(parseFaultRequest({ kind: "network-partition", targets: "node-1", set: { peers: "node-1,node-2" } }), topology, 1)).toThrow(
      "peer node-1 is also in the other group (node-1); the two groups must not overlap",
    );
  });

  it("membership-surge: a surge request instead of agent requests", () => {
    const p = planFault(parseFaultRequest({ kind: "membership-surge", set: { count: "7" } }), topology, 1);
    expect(p.agentRequests).toEqual([]);
    expect(p.surge).toEqual({ count: 7 });
    expect(p.targets).toEqual([]);
    expect(p.description).toBe("would add 7 extra nodes to the environment network (members 5 → 12), let them join the mesh, and remove them after 30 s");
  });

  it("apply bodies carry the plan's id, kind, params, targets and lease", () => {
    const p = planFault(parseFaultRequest({ kind: "network-latency", targets: "node-2,node-3", set: { delay: "80ms", peers: "registry" } }), topology, 1, { id: "lat-abcdef" });
    expect(applyRequests(p, 15)).toEqual([
      { node: "node-2", body: { id: "lat-abcdef", kind: "network-latency", params: { delayMs: 80, jitterMs: 0, correlationPct: 0, peers: ["registry"] }, targets: ["node-2", "registry"], ttlSeconds: 15 } },
      { node: "node-3", body: { id: "lat-abcdef", kind: "network-latency", params: { delayMs: 80, jitterMs: 0, correlationPct: 0, peers: ["registry"] }, targets: ["node-3", "registry"], ttlSeconds: 15 } },
    ]);
  });
});

describe("capabilities", () => {
  const caps = (over: Partial<Capabilities> = {}): Capabilities => ({
    netAdmin: true,
    schNetem: false,
    tbf: true,
    iptables: { available: true, backend: "nf_tables", statisticMatch: true },
    pidVisibility: { nodeProcessVisible: true, pid: 7, sharesNetworkNamespace: true },
    stressTools: { stressNg: true },
    kernel: "6.1.0",
    measuredAt: new Date(0).toISOString(),
    notes: [],
    ...over,
  });

  it("this machine's capabilities (no sch_netem) still allow every kind", () => {
    for (const kind of faultKinds) expect(missingFor(kind, caps())).toEqual([]);
  });

  it("names each missing capability and how to grant it", () => {
    const none = caps({
      netAdmin: false,
      tbf: false,
      iptables: { available: false, backend: null, statisticMatch: false },
      pidVisibility: { nodeProcessVisible: false, pid: null, sharesNetworkNamespace: null },
      stressTools: { stressNg: false },
    });
    expect(missingFor("network-partition", none)).toEqual([
      "netAdmin: grant NET_ADMIN to the fault sidecar (docker: --cap-add NET_ADMIN; kubernetes: securityContext.capabilities.add)",
      "iptables.available: install iptables in the agent image and grant NET_ADMIN to the sidecar",
    ]);
    expect(missingFor("packet-loss", none).at(-1)).toBe(
      "one of schNetem or iptables.statisticMatch: load the netem qdisc on the host kernel (modprobe sch_netem); or load the iptables statistic match on the host kernel (modprobe xt_statistic)",
    );
    expect(missingFor("leader-kill", none)).toEqual([expect.stringContaining("pidVisibility.nodeProcessVisible: run the sidecar in the node's PID namespace")]);
    expect(missingFor("cpu-stress", none)).toEqual(["stressTools.stressNg: install stress-ng in the agent image"]);
    expect(missingFor("disk-fill", none)).toEqual([]);
  });
});

describe("fault kinds listing", () => {
  it("lists every kind with summary, params (unit, bounds, default), intensity mapping, capabilities and Chaos Mesh mapping", () => {
    const info = faultKindsInfo();
    expect(info.map((i) => i.kind)).toEqual([...faultKinds]);
    expect(new Set(info.map((i) => i.abbrev)).size).toBe(faultKinds.length);
    for (const i of info) {
      expect(i.summary).not.toBe("");
      expect(i.params.slice(0, 2).map((p) => p.name)).toEqual(["duration", "intensity"]);
      expect(i.intensity.mapping).not.toBe("");
      for (const p of i.params) expect(p.summary).not.toBe("");
    }
    const latency = info.find((i) => i.kind === "network-latency");
    expect(latency?.params.find((p) => p.name === "delay")).toMatchObject({ unit: "duration (ms, s, m, h)", bounds: "1ms..10s", default: null });
    expect(latency?.params.find((p) => p.name === "duration")).toMatchObject({ bounds: "1s..1h", default: "30s" });
    expect(info.find((i) => i.kind === "bandwidth")?.params.find((p) => p.name === "burst")?.default).toMatch(/^auto/);
    expect(info.filter((i) => i.chaosMesh.kind === null).map((i) => i.kind)).toEqual([
      "membership-surge",
      "transport-downgrade",
      "cert-expiry",
      "invalid-signature",
    ]);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });

  it("every kind's knob is one of its parameters and the catalog covers the agent's kinds", () => {
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(agentParams).sort());
    for (const kind of faultKinds) {
      const rule = catalog[kind].intensity;
      if (rule.type === "scale") expect(Object.keys(catalog[kind].params)).toContain(rule.knob);
    }
  });
});
