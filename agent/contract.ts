// What the environment needs to know to run and reach a fault agent: its port, paths and
// configuration variables. The agent's own code and the platform components both import this.

export const agentApi = {
  port: 9100,
  paths: {
    health: "/v1/health",
    capabilities: "/v1/capabilities",
    faults: "/v1/faults",
    metrics: "/metrics",
  },
  env: {
    /** Per-run bearer token; required; never logged. */
    token: "MESHKIT_AGENT_TOKEN",
    /** `host:port` to listen on inside the node's network namespace. */
    listen: "MESHKIT_AGENT_LISTEN",
    /** Node id of the target node. */
    nodeId: "MESHKIT_AGENT_NODE_ID",
    /** The node's data volume (disk-fill target, hold files the node's supervisor reads). */
    dataDir: "MESHKIT_AGENT_DATA_DIR",
    /**
     * The agent's own state (fault journal, saved certificates); default `<dataDir>/.meshkit-agent`.
     * On Docker a persistent volume of its own: the node's data volume is tmpfs, which is gone when
     * the node and its sidecar stop together, while a swapped certificate lives on in the node's files.
     */
    stateDir: "MESHKIT_AGENT_STATE_DIR",
    /**
     * How to find the node process in the shared PID namespace: `pid1` (default: PID 1 of the
     * namespace, the node container's init), `name:<comm or argv0 basename>` or `cmdline:<substring>`.
     */
    nodeProcess: "MESHKIT_AGENT_NODE_PROCESS",
    /** The node's control URL as the agent reaches it (shared network namespace); default http://127.0.0.1:8080. */
    nodeControlUrl: "MESHKIT_AGENT_NODE_CONTROL_URL",
  },
} as const;
