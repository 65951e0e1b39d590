// The agent's Prometheus metrics; names and labels come from the contract map. Values are read at
// scrape time from the live state, so nothing here can drift from what the API reports.

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { agentMetrics, type FaultKind, faultKinds } from "../contract/meshkit.ts";
import type { Capabilities } from "./protocol.ts";

export interface MetricsSources {
  /** Active faults per kind, every kind present (0 when none). */
  readonly activeByKind: () => ReadonlyMap<FaultKind, number>;
  /** The last full capability measurement (probes are not re-run per scrape). */
  readonly capabilities: () => Capabilities;
  /** Re-read per scrape: the node process can restart under a new PID. */
  readonly pidVisibility: () => Capabilities["pidVisibility"];
}

export interface AgentMetrics {
  readonly registry: Registry;
  /** Observed by the fault core (agent/faults.ts); no observation exists before the first apply/revert. */
  readonly applyDuration: Histogram<"kind">;
  readonly revertDuration: Histogram<"kind">;
  readonly leaseExpirations: Counter<"kind">;
}

/** Seconds; apply/revert include verification, which may wait for a measured effect. */
const durationBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(sources: MetricsSources): AgentMetrics {
  const registry = new Registry();
  const gauge = (spec: { name: string; help: string; labels: readonly string[] }, collect: (g: Gauge) => void) =>
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labels],
      registers: [registry],
      collect() {
        collect(this);
      },
    });

  // "Up" in the contract's sense: running and able to reach the node's PID and network namespaces.
  gauge(agentMetrics.agentUp, (g) => {
    const v = sources.pidVisibility();
    g.set(v.nodeProcessVisible && v.sharesNetworkNamespace !== false ? 1 : 0);
  });
  gauge(agentMetrics.faultsActive, (g) => {
    for (const [kind, n] of sources.activeByKind()) g.set({ kind }, n);
  });
  gauge(agentMetrics.capability, (g) => {
    const c = sources.capabilities();
    const v = sources.pidVisibility();
    const present: Record<string, boolean> = {
      net_admin: c.netAdmin,
      sch_netem: c.schNetem,
      tbf: c.tbf,
      iptables: c.iptables.available,
      iptables_statistic: c.iptables.statisticMatch,
      node_process_visible: v.nodeProcessVisible,
      stress_ng: c.stressTools.stressNg,
    };
    for (const [capability, ok] of Object.entries(present)) g.set({ capability }, ok ? 1 : 0);
  });

  const histogram = (spec: typeof agentMetrics.applyDuration | typeof agentMetrics.revertDuration) =>
    new Histogram({ name: spec.name, help: spec.help, labelNames: ["kind"], buckets: durationBuckets, registers: [registry] });
  const leaseExpirations = new Counter({
    name: agentMetrics.leaseExpirations.name,
    help: agentMetrics.leaseExpirations.help,
    labelNames: ["kind"],
    registers: [registry],
  });
  // A counter that exists at 0 lets increase() see the first expiration.
  for (const kind of faultKinds) leaseExpirations.inc({ kind }, 0);

  return {
    registry,
    applyDuration: histogram(agentMetrics.applyDuration),
    revertDuration: histogram(agentMetrics.revertDuration),
    leaseExpirations,
  };
}
