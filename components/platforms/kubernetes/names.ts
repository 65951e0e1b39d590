/** Object names inside an environment's namespace; the bare names `node-2` and `registry` resolve as on Docker. */
export const objectNames = {
  /** The StatefulSet of the nodes and its headless Service (pods `node-1`…). */
  nodes: "node",
  registry: "registry",
  prometheus: "prometheus",
  grafana: "grafana",
  meshAccount: "mesh",
  agentToken: "agent-token",
} as const;
