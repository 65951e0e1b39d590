// The agent's Prometheus metrics; names and labels come from the contract map. Values are read at
// scrape time from the live state, so nothing here can drift from what the API reports.

import { Gauge, Registry } from "prom-client";
import { agentMetrics } from "../contract/meshkit.ts";
import type { ActiveFaults } from "./faults.ts";
import type { Capabilities } from "./protocol.ts";

export interface MetricsSources {
  readonly faults: ActiveFaults;
  /** The last full capability measurement (probes are not re-run per scrape). */
  readonly capabilities: () => Capabilities;
  /** Re-read per scrape: the node process can restart under a new PID. */
  readonly pidVisibility: () => Capabilities["pidVisibility"];
}

export function createMetrics(sources: MetricsSources): Registry {
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
    for (const [kind, n] of sources.faults.countByKind()) g.set({ kind }, n);
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
  return registry;
}
