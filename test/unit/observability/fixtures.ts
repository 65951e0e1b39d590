import type { ObservabilityInput } from "../../../components/observability/index.ts";

/** Relative to the Prometheus config dir; the lead writes the per-run token there. */
export const agentTokenFile = "secrets/agent-token";

export const nodeIds = ["node-1", "node-2", "node-3"] as const;

/** Three nodes, the registry and one agent per node, as the docker platform would describe them. */
export function sampleInput(overrides: Partial<ObservabilityInput> = {}): ObservabilityInput {
  return {
    environment: { project: "meshkit-chaos", stack: "local" },
    scrape: {
      node: { targets: nodeIds.map((id) => ({ address: `${id}:8080`, labels: { node: id, role: "worker" } })) },
      registry: { targets: [{ address: "registry:8080", labels: { node: "registry", role: "registry" } }] },
      agent: {
        metricsPath: "/metrics",
        credentialsFile: agentTokenFile,
        targets: nodeIds.map((id) => ({ address: `${id}:9100`, labels: { node: id, role: "agent" } })),
      },
    },
    grafana: { prometheusUrl: "http://prometheus:9090" },
    ...overrides,
  };
}
