// Every fault kind: defaults, bounds (just inside accepted, just outside rejected naming key and
// bound), unknown keys, dry-run text, agent params validated with agent/params.ts, and the Chaos
// Mesh resource validated against the real CRD.

import { describe, expect, it } from "vitest";
import { faultInputMessage } from "../../support/fault-input.ts";
import { agentParams } from "../../../agent/params.ts";
import { applyRequest, faultId } from "../../../agent/protocol.ts";
import { faultKinds, type FaultKind } from "../../../contract/meshkit.ts";
import {
  applyRequests,
  catalog,
  faultKindsInfo,
  FaultInputError,
  parseFaultRequest,
  planFault,
  type FaultPlan,
  type ParamInfo,
  type Topology,
} from "../../../faults/index.ts";
import { crdProblems } from "../../support/chaos-mesh-crds.ts";

const topology: Topology = { nodes: ["node-1", "node-2", "node-3"], leaders: { "global-control": "node-2" } };

interface Case {
  readonly targets: string | null;
  /** Agent params of every request at the defaults. */
  readonly agent: Record<string, unknown> | null;
  readonly description: string;
  readonly crKind: string | null;
  /** Settings some parameters need to be meaningful (http-fault's delay needs mode=delay). */
  readonly context?: Record<string, Record<string, string>>;
}

const cases: Record<FaultKind, Case> = {
  "leader-kill": {
    targets: null,
    agent: { signal: "SIGKILL", scope: "global-control" },
    description:
      "would send SIGKILL to the node process of node-2, the current leader of global-control, through the shared PID namespace; a new leader with a higher term is expected; the fault window lasts 30 s",
    crKind: "PodChaos",
  },
  "process-kill": {
    targets: "node-2",
    agent: { signal: "SIGKILL" },
    description: "would send SIGKILL to the node process of node-2 through the shared PID namespace (the node restarts by its restart policy); the fault window lasts 30 s",
    crKind: "PodChaos",
  },
  "process-pause": {
    targets: "node-2",
    agent: {},
    description: "would SIGSTOP the node process of node-2 through the shared PID namespace for 30 s, then SIGCONT",
    crKind: "PodChaos",
  },
  "network-partition": {
    targets: "node-2",
    agent: { peers: ["node-1", "node-3", "registry"], direction: "both" },
    description: "would add iptables DROP between node-2 and {node-1, node-3, registry} both ways on node-2 for 30 s",
    crKind: "NetworkChaos",
  },
  "network-latency": {
    targets: "node-2",
    agent: { delayMs: 100, jitterMs: 0, correlationPct: 0, peers: [] },
    description: "would delay every packet node-2 sends by 100 ms (tc netem, or the NFQUEUE delayer where the kernel lacks sch_netem) on node-2 for 30 s",
    crKind: "NetworkChaos",
  },
  "packet-loss": {
    targets: "node-2",
    agent: { lossPct: 10, peers: [] },
    description: "would drop 10 % of the packets node-2 sends (tc netem, or an iptables statistic DROP rule where the kernel lacks sch_netem) on node-2 for 30 s",
    crKind: "NetworkChaos",
  },
  bandwidth: {
    targets: "node-2",
    agent: { rateKbit: 1000, burstBytes: 1600 },
    description: "would cap the egress of node-2 to 1mbit/s (tc tbf, burst 1600 bytes) on node-2 for 30 s",
    crKind: "NetworkChaos",
  },
  "dns-failure": {
    targets: "node-2",
    agent: { mode: "nxdomain", names: ["*"] },
    description: "would answer DNS lookups by node-2 of * with NXDOMAIN (queries redirected to the agent's responder) on node-2 for 30 s",
    crKind: "DNSChaos",
  },
  "cpu-stress": {
    targets: "node-2",
    agent: { workers: 1, loadPct: 50 },
    description: "would run 1 stress-ng CPU worker at 50 % load in the cgroup of node-2 for 30 s",
    crKind: "StressChaos",
  },
  "memory-pressure": {
    targets: "node-2",
    agent: { megabytes: 256 },
    description: "would allocate 256 MB in the cgroup of node-2 (stress-ng vm worker) for 30 s",
    crKind: "StressChaos",
  },
  "disk-fill": {
    targets: "node-2",
    agent: { fillPct: 80 },
    description: "would fill the data volume of node-2 (/var/lib/meshkit, never the root filesystem) to 80 % with one fallocated file for 30 s",
    crKind: "IOChaos",
  },
  "membership-surge": {
    targets: null,
    agent: null,
    description: "would add 2 extra nodes to the environment network (members 3 → 5), let them join the mesh, and remove them after 30 s",
    crKind: null,
  },
  "transport-downgrade": {
    targets: "node-2",
    agent: {},
    description: "would drop UDP datagrams to and from the data-plane port 8443 on node-2 (iptables), so clients fall back to HTTP/2 over TCP, for 30 s",
    crKind: null,
  },
  "cert-expiry": {
    targets: "node-2",
    agent: { mode: "expired" },
    description: "would swap the TLS certificate of node-2 for an expired certificate (originals kept, restored on revert) for 30 s",
    crKind: null,
  },
  "clock-skew": {
    targets: "node-2",
    agent: { offsetMs: 300_000 },
    description: "would shift the wall clock of node-2 by +5 min (the node's clock-skew toggle) for 30 s",
    crKind: "TimeChaos",
  },
  "http-fault": {
    targets: "node-2",
    agent: { mode: "abort", share: 0.25, delayMs: 0 },
    description: "would abort 25 % of the data-plane requests served by node-2 (the node's failing-handlers toggle) for 30 s",
    crKind: "HTTPChaos",
    context: { delay: { mode: "delay" } },
  },
  "invalid-signature": {
    targets: "node-2",
    agent: { share: 0.1 },
    description: "would have node-2 sign 10 % of its data-plane responses with an invalid signature (the node's invalid-signature toggle) for 30 s",
    crKind: null,
  },
};

const plan = (kind: FaultKind, set: Record<string, string> = {}, targets = cases[kind].targets, duration?: string): FaultPlan =>
  planFault(parseFaultRequest({ kind, targets, set, ...(duration ? { duration } : {}) }), topology, "seed-1");

/** Every agent request parses with the kind's agent schema and as a whole apply body. */
function expectAgentValid(p: FaultPlan): void {
  for (const r of p.agentRequests) expect(agentParams[p.kind].safeParse(r.params).error).toBeUndefined();
  for (const { body } of applyRequests(p, 10)) expect(applyRequest.safeParse(body).error).toBeUndefined();
}

const errorOf = faultInputMessage;

const numeric = (p: ParamInfo): p is ParamInfo & { min: number; max: number } =>
  ["number", "integer", "duration", "rate"].includes(p.type) && p.min !== null && p.max !== null;

/** A value as a user writes it for `--set`. */
function written(p: ParamInfo, value: number): string {
  if (p.type === "duration") return `${value}ms`;
  if (p.type === "rate") return `${value}kbit`;
  return String(value);
}

/** Just-inside and just-outside values of a numeric parameter. */
function edges(p: ParamInfo & { min: number; max: number }): { inside: number[]; outside: number[] } {
  const step = p.type === "number" ? 0.001 : 1;
  const r = (n: number): number => Number(n.toFixed(6));
  if (p.type === "duration" && p.min < 0) {
    // signed: magnitude in [1 ms, max]
    return { inside: [-p.max, -1, 1, p.max], outside: [r(-p.max - 1), 0, r(p.max + 1)] };
  }
  return { inside: [p.min, p.max], outside: [r(p.min - step), r(p.max + step)] };
}

describe.each(faultKinds.map((k) => [k] as const))("%s", (kind) => {
  const c = cases[kind];
  const info = faultKindsInfo().find((i) => i.kind === kind);
  if (!info) throw new Error(`no info for ${kind}`);

  it("plans agent requests at the defaults that the agent's schema accepts", () => {
    const p = plan(kind);
    expect(p.kind).toBe(kind);
    expect(p.durationMs).toBe(30_000);
    expect(p.id).toMatch(new RegExp(`^${catalog[kind].abbrev}-[0-9a-f]{6}$`));
    expect(faultId.safeParse(p.id).success).toBe(true);
    if (c.agent === null) {
      expect(p.agentRequests).toEqual([]);
    } else {
      expect(p.agentRequests.map((r) => r.node)).toEqual(["node-2"]);
      expect(p.agentRequests[0]?.params).toEqual(c.agent);
      expect(p.agentRequests[0]?.targets[0]).toBe("node-2");
    }
    expectAgentValid(p);
  });

  it("describes exactly what it would do, to whom, for how long", () => {
    expect(plan(kind).description).toBe(c.description);
    expect(plan(kind, {}, c.targets, "2m").description).toContain("2 min");
  });

  it("accepts every parameter at its bounds and rejects just outside, naming the key, the bound and the unit", () => {
    for (const p of info.params.filter(numeric)) {
      if (p.name === "intensity") continue;
      const context = c.context?.[p.name] ?? {};
      const { inside, outside } = edges(p);
      for (const v of inside) {
        const value = written(p, v);
        const planned =
          p.name === "duration" ? plan(kind, context, c.targets, value) : plan(kind, { ...context, [p.name]: value });
        expectAgentValid(planned);
      }
      for (const v of outside) {
        const value = written(p, v);
        const message = errorOf(() =>
          p.name === "duration"
            ? parseFaultRequest({ kind, targets: c.targets, set: context, duration: value })
            : parseFaultRequest({ kind, targets: c.targets, set: { ...context, [p.name]: value } }),
        );
        expect(message).toContain(`${p.name}=${value}`);
        expect(message).toContain(p.bounds ?? "");
      }
    }
  });

  it("takes intensity in 0..1 and maps it to its knob, or accepts only 1 where it has one level", () => {
    const rule = catalog[kind].intensity;
    expect(errorOf(() => parseFaultRequest({ kind, targets: c.targets, set: { intensity: "1.001" } }))).toContain(
      "intensity=1.001 is out of bounds: expected 0..1 share",
    );
    if (rule.type === "single") {
      expect(parseFaultRequest({ kind, targets: c.targets, set: { intensity: "1" } }).intensity).toBe(1);
      expect(errorOf(() => parseFaultRequest({ kind, targets: c.targets, set: { intensity: "0.5" } }))).toContain(
        "only intensity=1 is accepted",
      );
      return;
    }
    const half = parseFaultRequest({ kind, targets: c.targets, set: { intensity: "0.5" } });
    expect(half.intensity).toBe(0.5);
    expect(half.params[rule.knob]).toBeDefined();
    expectAgentValid(planFault(half, topology, 1));
    const both = errorOf(() =>
      parseFaultRequest({ kind, targets: c.targets, set: { intensity: "0.5", [rule.knob]: String(rule.toKnob(0.5)) } }),
    );
    expect(both).toContain(`set either ${rule.knob} or intensity, not both`);
  });

  it("rejects an unknown parameter, listing the ones it has", () => {
    const message = errorOf(() => parseFaultRequest({ kind, targets: c.targets, set: { bogus: "1" } }));
    expect(message).toContain(`${kind}: unknown parameter 'bogus'`);
    expect(message).toContain(`parameters: ${[...Object.keys(catalog[kind].params), "intensity"].join(", ")}`);
  });

  it("renders its Chaos Mesh resource valid against the CRD, or none where Chaos Mesh has no equivalent", () => {
    const p = plan(kind);
    expect(catalog[kind].chaosMesh.kind).toBe(c.crKind);
    expect(catalog[kind].chaosMesh.note.length).toBeGreaterThan(10);
    if (c.crKind === null) {
      expect(p.chaosMesh).toBeNull();
      return;
    }
    expect(p.chaosMesh).toHaveLength(1);
    for (const cr of p.chaosMesh ?? []) {
      expect(cr.kind).toBe(c.crKind);
      expect(cr.apiVersion).toBe("chaos-mesh.org/v1alpha1");
      expect(cr.metadata.name).toBe(p.id);
      expect(cr.metadata.namespace).toBe("meshkit-chaos");
      expect(cr.metadata.labels["meshkit-chaos.fault-id"]).toBe(p.id);
      expect(cr.spec.duration).toBe("30s");
      expect(crdProblems(cr)).toEqual([]);
    }
  });

  it("lists its capabilities by the agent's capability names", () => {
    const names = ["netAdmin", "schNetem", "tbf", "iptables.available", "iptables.statisticMatch", "pidVisibility.nodeProcessVisible", "stressTools.stressNg"];
    for (const need of info.capabilities) for (const n of need.split("|")) expect(names).toContain(n);
  });
});
