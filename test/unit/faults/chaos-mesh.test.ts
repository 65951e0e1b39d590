// The Chaos Mesh resources select the pods the fault is about (checked by evaluating their label
// selectors against the environment's pods), and the CRD validator used by the kind tests really
// rejects what an API server would reject or silently prune.

import { describe, expect, it } from "vitest";
import { labelKeys } from "../../../components/model/environment.ts";
import { parseFaultRequest, planFault, type ChaosMeshResource, type Topology } from "../../../faults/index.ts";
import { crdKinds, crdProblems } from "../../support/chaos-mesh-crds.ts";

const topology: Topology = { nodes: ["node-1", "node-2", "node-3"], leaders: { "global-control": "node-3" } };

/** The pods of a 3-node environment on Kubernetes, by name, with the project's labels. */
const pods: Record<string, Record<string, string>> = {
  "node-1": { [labelKeys.role]: "node", [labelKeys.node]: "node-1" },
  "node-2": { [labelKeys.role]: "node", [labelKeys.node]: "node-2" },
  "node-3": { [labelKeys.role]: "node", [labelKeys.node]: "node-3" },
  registry: { [labelKeys.role]: "registry" },
  prometheus: { [labelKeys.role]: "prometheus" },
  grafana: { [labelKeys.role]: "grafana" },
};

interface Selector {
  namespaces?: string[];
  expressionSelectors?: { key: string; operator: "In" | "NotIn"; values: string[] }[];
}

/** Kubernetes set-based selector semantics: requirements ANDed; NotIn also matches a missing key. */
function selected(selector: Selector): string[] {
  return Object.entries(pods)
    .filter(([, labels]) =>
      (selector.expressionSelectors ?? []).every((e) => {
        const v = labels[e.key];
        return e.operator === "In" ? v !== undefined && e.values.includes(v) : v === undefined || !e.values.includes(v);
      }),
    )
    .map(([name]) => name);
}

const crs = (kind: string, targets: string | null, set: Record<string, string> = {}): readonly ChaosMeshResource[] =>
  planFault(parseFaultRequest({ kind, targets, set }), topology, "s", { namespace: "mesh-ci" }).chaosMesh ?? [];

describe("Chaos Mesh resources", () => {
  it("partition: selects the targets and, as the other side, every other node and the registry", () => {
    const [cr] = crs("network-partition", "node-2");
    const spec = cr?.spec as { selector: Selector; target: { selector: Selector }; direction: string };
    expect(selected(spec.selector)).toEqual(["node-2"]);
    expect(selected(spec.target.selector)).toEqual(["node-1", "node-3", "registry"]);
    expect(spec.direction).toBe("both");
    expect(spec.selector.namespaces).toEqual(["mesh-ci"]);
  });

  it("partition with explicit peers and one direction: only those peers, direction to/from", () => {
    const [out] = crs("network-partition", "node-1,node-2", { peers: "node-3", direction: "outbound" });
    const o = out?.spec as { selector: Selector; target: { selector: Selector }; direction: string };
    expect(selected(o.selector)).toEqual(["node-1", "node-2"]);
    expect(selected(o.target.selector)).toEqual(["node-3"]);
    expect(o.direction).toBe("to");
    const [inb] = crs("network-partition", "node-1", { peers: "registry", direction: "inbound" });
    const i = inb?.spec as { target: { selector: Selector }; direction: string };
    expect(selected(i.target.selector)).toEqual(["registry"]);
    expect(i.direction).toBe("from");
    expect(crdProblems(out as ChaosMeshResource)).toEqual([]);
    expect(crdProblems(inb as ChaosMeshResource)).toEqual([]);
  });

  it("latency towards some peers: delay with the peers as target, units as Chaos Mesh writes them", () => {
    const [cr] = crs("network-latency", "node-1", { delay: "250ms", jitter: "1s", correlation: "25", peers: "node-2,registry" });
    const spec = cr?.spec as { delay: unknown; target: { selector: Selector }; direction: string };
    expect(spec.delay).toEqual({ latency: "250ms", jitter: "1000ms", correlation: "25" });
    expect(selected(spec.target.selector)).toEqual(["node-2", "registry"]);
    expect(spec.direction).toBe("to");
    expect(crdProblems(cr as ChaosMeshResource)).toEqual([]);
  });

  it("leader-kill: kills the pod of the leader resolved when planned; SIGTERM gets a grace period", () => {
    const [cr] = crs("leader-kill", null);
    const spec = cr?.spec as { selector: Selector; action: string; gracePeriod: number };
    expect(selected(spec.selector)).toEqual(["node-3"]);
    expect(spec.action).toBe("pod-kill");
    expect(spec.gracePeriod).toBe(0);
    const [graceful] = crs("leader-kill", null, { signal: "SIGTERM" });
    expect((graceful?.spec as { gracePeriod: number }).gracePeriod).toBe(30);
  });

  it("every kind's resource on several targets validates against its CRD", () => {
    const sets: [string, string | null, Record<string, string>][] = [
      ["process-kill", "all", { signal: "SIGTERM" }],
      ["packet-loss", "count:2", { loss: "0.5", peers: "registry" }],
      ["bandwidth", "node-1", { rate: "10gbit", burst: "65536" }],
      ["dns-failure", "node-1", { mode: "timeout", names: "*.svc,registry" }],
      ["http-fault", "node-2", { mode: "delay", delay: "2s", share: "1" }],
      ["clock-skew", "node-2", { offset: "-3h" }],
      ["disk-fill", "node-3", { fill: "99" }],
    ];
    for (const [kind, targets, set] of sets) for (const cr of crs(kind, targets, set)) expect(crdProblems(cr)).toEqual([]);
  });

  it("the CRD validator rejects a wrong enum, a missing required field, a misspelt field and a bad pattern", () => {
    expect(crdKinds()).toContain("chaos-mesh.org/v1alpha1/NetworkChaos");
    const [cr] = crs("network-latency", "node-1");
    const good = cr as ChaosMeshResource;
    const withSpec = (spec: Record<string, unknown>): ChaosMeshResource => ({ ...good, spec });
    expect(crdProblems(withSpec({ ...good.spec, action: "latency" })).join()).toMatch(/\/spec\/action: must be equal to one of the allowed values/);
    const { selector: _dropped, ...noSelector } = good.spec;
    expect(crdProblems(withSpec(noSelector)).join()).toMatch(/must have required property 'selector'/);
    expect(crdProblems(withSpec({ ...good.spec, directions: "to" })).join()).toMatch(/must NOT have additional properties.*directions/);
    expect(crdProblems(withSpec({ ...good.spec, delay: { latency: "100" } })).join()).toMatch(/\/spec\/delay\/latency: must match pattern/);
    expect(crdProblems({ ...good, kind: "NopeChaos" })).toEqual([expect.stringContaining("no CRD for chaos-mesh.org/v1alpha1 NopeChaos")]);
  });
});
