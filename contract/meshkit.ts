// The MeshKit/OmniRelay node contract in one place: ports, endpoint paths, metric names and timers.
// The reference node, the dashboards, the alert rules and scenario SLOs all import from here, so a
// name that differs on a real OmniRelay image is corrected once (see ../shared/design/node-contract.md).

export const ports = {
  gossip: 17421,
  control: 8080,
  data: 8443,
} as const;

export const paths = {
  gossipMessages: "/mesh/gossip/v1/messages",
  gossipShuffle: "/mesh/gossip/v1/shuffle",
  peers: "/control/peers",
  leaders: "/control/leaders",
  leadershipEvents: "/control/events/leadership",
  shards: "/control/shards",
  upgrade: "/control/upgrade",
  upgradeDrain: "/control/upgrade/drain",
  upgradeResume: "/control/upgrade/resume",
  healthz: "/healthz",
  readyz: "/readyz",
  metrics: "/omnirelay/metrics",
  /** `POST {chaosPrefix}/{name}:start` and `:stop`. */
  chaosPrefix: "/omnirelay/control/chaos",
} as const;

export const chaosToggle = (name: string, action: "start" | "stop"): string =>
  `${paths.chaosPrefix}/${encodeURIComponent(name)}:${action}`;

/**
 * App-level chaos toggles of the node. `slowHandlers`, `failingHandlers` and `invalidSignature` act on
 * a share of data-plane requests (body `{share?, delayMs?}`); the others are extensions of the
 * reference node: `gossipPartition` drops all gossip in and out, `udpBlackhole` drops datagrams on the
 * data-plane UDP path (clients then fall back to HTTP/2 over TCP), `clockSkew` shifts the node's wall
 * clock by `offsetMs` (body `{offsetMs}`, required).
 */
export const chaosNames = {
  slowHandlers: "slow-handlers",
  failingHandlers: "failing-handlers",
  invalidSignature: "invalid-signature",
  gossipPartition: "gossip-partition",
  udpBlackhole: "udp-blackhole",
  clockSkew: "clock-skew",
} as const;
export type ChaosName = (typeof chaosNames)[keyof typeof chaosNames];

/** Registry API (mutual TLS on the registry's gossip port); extension of the reference node. */
export const registryPaths = {
  register: "/mesh/registry/v1/peers",
  acquire: "/mesh/registry/v1/leases/acquire",
  release: "/mesh/registry/v1/leases/release",
  leases: "/mesh/registry/v1/leases",
} as const;

/** Data-plane RPC procedures (TLS HTTP/1.1 + HTTP/2, and the same paths over the UDP datagram path). */
export const dataPaths = {
  write: "/omnirelay/rpc/shards/write",
  replicate: "/omnirelay/rpc/shards/replicate",
  snapshot: "/omnirelay/rpc/shards/snapshot",
  ping: "/omnirelay/rpc/ping",
} as const;

/** Processes of one codebase: a mesh member or the registry (`mesh__runtime__role`). */
export const processRoles = ["node", "registry"] as const;
export type ProcessRole = (typeof processRoles)[number];

/** Shard status, serialised as an integer. */
export const shardStatus = { Active: 0, Moving: 1, Unassigned: 2 } as const;

/** Values of the `network_transport` / `http_observed_protocol` labels used by the data plane. */
export const transportLabels = {
  udp: { network_transport: "udp", network_protocol_version: "3" },
  http2: { network_transport: "tcp", network_protocol_version: "2" },
  http1: { network_transport: "tcp", network_protocol_version: "1.1" },
  fallbackObservedProtocol: "HTTP/2",
} as const;

/** Header and values that gate `/control/shards`. */
export const shardScopeHeader = "x-mesh-scope";
export const shardScopes = ["mesh.read", "mesh.operate"] as const;

export const peerStatus = ["Alive", "Suspect", "Left"] as const;
export type PeerStatus = (typeof peerStatus)[number];

/** Leadership event kinds, serialised as integers as in OmniRelay. */
export const leadershipEventKind = {
  Snapshot: 0,
  Observed: 1,
  Elected: 2,
  Renewed: 3,
  Lost: 4,
  Expired: 5,
  SteppedDown: 6,
} as const;

/** Scope kinds, serialised as integers; the metric label uses the lower-case name. */
export const leadershipScopeKind = { Global: 0, Shard: 1, Custom: 2 } as const;

/** Values of the `mesh_transition` label, by event kind. */
export const leadershipTransition = {
  Elected: "elected",
  Renewed: "renewed",
  Lost: "lost",
  Expired: "expired",
  SteppedDown: "steppeddown",
} as const;

export const defaultLeadershipScope = "global-control";
export const shardScope = (namespace: string, id: number | string): string => `shard/${namespace}/${id}`;

/** Timers and sizes; defaults of the MeshKit configuration keys. */
export const defaults = {
  workload: { ratePerSecond: 1 },
  gossip: {
    intervalMs: 1000,
    suspicionIntervalMs: 5000,
    pingTimeoutMs: 2000,
    retransmitLimit: 3,
    fanoutMin: 3,
    fanoutMax: 32,
    clusterId: "local",
    role: "worker",
  },
  leadership: {
    leaseDurationMs: 8000,
    renewalLeadTimeMs: 3000,
    evaluationIntervalMs: 750,
    evaluationJitterMs: [25, 125] as const,
    maxElectionWindowMs: 5000,
  },
  shards: { count: 64, replicationFactor: 2, namespace: "default" },
} as const;

/** A member unseen this long is Left: suspicion + pingTimeout × retransmitLimit (≈ 11 s). */
export const leftAfterMs =
  defaults.gossip.suspicionIntervalMs + defaults.gossip.pingTimeoutMs * defaults.gossip.retransmitLimit;

/** Adaptive gossip fanout: ceil(1.5 · log2 N) clamped to [3, 32]. */
export const fanoutFor = (members: number): number =>
  Math.min(
    defaults.gossip.fanoutMax,
    Math.max(defaults.gossip.fanoutMin, Math.ceil(1.5 * Math.log2(Math.max(members, 1)))),
  );

/** Environment variable of a MeshKit configuration key: `mesh:gossip:nodeId` -> `mesh__gossip__nodeId`. */
export const envKey = (key: string): string => key.replaceAll(":", "__");

export const certificateEnv = {
  gossipCert: "MESH_GOSSIP_CERT_PATH",
  gossipKey: "MESH_GOSSIP_KEY_PATH",
  gossipCa: "MESH_GOSSIP_CA_PATH",
  transportCert: "OMNIRELAY_TRANSPORT_CERT_PATH",
  transportKey: "OMNIRELAY_TRANSPORT_KEY_PATH",
  transportCa: "OMNIRELAY_TRANSPORT_CA_PATH",
} as const;

interface MetricSpec {
  /** Prometheus name as exposed at `/omnirelay/metrics`. */
  readonly name: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly labels: readonly string[];
  readonly help: string;
  /** True where the real OmniRelay node lacks the metric and only the reference node has it. */
  readonly extension?: true;
}

const metric = <const M extends MetricSpec>(m: M): M => m;

/**
 * Metric names as OmniRelay's OpenTelemetry Prometheus exporter derives them. Histograms are listed
 * by base name; Prometheus adds `_bucket`, `_sum` and `_count`.
 */
export const metrics = {
  gossipMembers: metric({
    name: "mesh_gossip_members_peers",
    type: "gauge",
    labels: ["mesh_status"],
    help: "Gossip members by status (alive, suspect, left) as this node sees them.",
  }),
  gossipRtt: metric({
    name: "mesh_gossip_rtt_ms_milliseconds",
    type: "histogram",
    labels: ["mesh_peer"],
    help: "Round-trip time of gossip exchanges per peer.",
  }),
  gossipMessages: metric({
    name: "mesh_gossip_messages_total_messages_total",
    type: "counter",
    labels: ["mesh_direction", "mesh_outcome"],
    help: "Gossip messages by direction (inbound, outbound) and outcome (success, failure).",
  }),
  leadershipTransitions: metric({
    name: "mesh_leadership_transitions_total_events_total",
    type: "counter",
    labels: ["mesh_scope", "mesh_scope_kind", "mesh_leader", "mesh_transition"],
    help: "Leadership transitions (elected, renewed, lost, expired, steppeddown).",
  }),
  electionDuration: metric({
    name: "mesh_leadership_election_duration_ms_milliseconds",
    type: "histogram",
    labels: ["mesh_scope"],
    help: "Time from the start of a campaign to holding the lease.",
  }),
  splitBrain: metric({
    name: "mesh_leadership_split_brain_total_events_total",
    type: "counter",
    labels: ["mesh_scope"],
    help: "Times two leaders were observed for one scope.",
  }),
  httpRequestsCompleted: metric({
    name: "omnirelay_http_requests_completed_total",
    type: "counter",
    labels: ["rpc_protocol", "network_protocol_version", "network_transport", "http_response_status_code", "outcome"],
    help: "Completed data-plane requests.",
  }),
  httpRequestDuration: metric({
    name: "omnirelay_http_request_duration_milliseconds",
    type: "histogram",
    labels: ["rpc_protocol", "network_protocol_version", "network_transport", "outcome"],
    help: "Data-plane request duration.",
  }),
  httpClientFallbacks: metric({
    name: "omnirelay_http_client_fallbacks_total",
    type: "counter",
    labels: ["http_observed_protocol"],
    help: "Client fallbacks from the UDP datagram path to HTTP/2 over TCP.",
  }),
  replicationLag: metric({
    name: "omnirelay_resourcelease_replication_lag_milliseconds",
    type: "histogram",
    labels: ["shard_id", "rpc_peer"],
    help: "Replication lag of shard writes per peer.",
  }),
  replicationEvents: metric({
    name: "omnirelay_resourcelease_replication_events_total",
    type: "counter",
    labels: [],
    help: "Replicated write events.",
  }),
  isLeader: metric({
    name: "mesh_leadership_is_leader",
    type: "gauge",
    labels: ["mesh_scope"],
    help: "1 while this node holds the lease of the scope.",
    extension: true,
  }),
  leaderTerm: metric({
    name: "mesh_leadership_term",
    type: "gauge",
    labels: ["mesh_scope"],
    help: "Term of the lease this node last saw for the scope.",
    extension: true,
  }),
  shardsOwned: metric({
    name: "mesh_shards_owned",
    type: "gauge",
    labels: [],
    help: "Shards owned by this node.",
    extension: true,
  }),
  rebalanceMoving: metric({
    name: "mesh_rebalance_shards_moving",
    type: "gauge",
    labels: [],
    help: "Shards moving in the current rebalance.",
    extension: true,
  }),
  rebalanceDuration: metric({
    name: "mesh_rebalance_duration_seconds",
    type: "histogram",
    labels: [],
    help: "Duration of rebalances.",
    extension: true,
  }),
  tlsHandshakeFailures: metric({
    name: "omnirelay_tls_handshake_failures_total",
    type: "counter",
    labels: ["listener"],
    help: "TLS handshakes that failed, per listener (gossip, data).",
    extension: true,
  }),
  signatureFailures: metric({
    name: "omnirelay_rpc_signature_failures_total",
    type: "counter",
    labels: ["rpc_peer"],
    help: "Data-plane responses whose signature did not verify, counted by the client.",
    extension: true,
  }),
  clockOffset: metric({
    name: "mesh_clock_offset_seconds",
    type: "gauge",
    labels: [],
    help: "Offset of the node's wall clock from the host's, set by the clock-skew chaos toggle.",
    extension: true,
  }),
  tlsCertificateNotAfter: metric({
    name: "omnirelay_tls_certificate_not_after_seconds",
    type: "gauge",
    labels: ["listener"],
    help: "notAfter of the certificate served by the listener, as Unix seconds.",
    extension: true,
  }),
} as const;

export type MetricKey = keyof typeof metrics;

/**
 * Metrics of the fault agent (sidecar), served on the agent's own metrics path. Series of
 * `faultsActive` are exported for every fault kind the agent supports, 0 while none is active, so a
 * dashboard shows data on an idle environment.
 */
export const agentMetrics = {
  agentUp: metric({
    name: "meshkit_chaos_agent_up",
    type: "gauge",
    labels: [],
    help: "1 while the agent runs and can reach the node's namespaces.",
  }),
  faultsActive: metric({
    name: "meshkit_chaos_agent_faults_active",
    type: "gauge",
    labels: ["kind"],
    help: "Faults currently applied by this agent, per fault kind.",
  }),
  applyDuration: metric({
    name: "meshkit_chaos_agent_apply_duration_seconds",
    type: "histogram",
    labels: ["kind"],
    help: "Time from an apply request to a verified fault.",
  }),
  revertDuration: metric({
    name: "meshkit_chaos_agent_revert_duration_seconds",
    type: "histogram",
    labels: ["kind"],
    help: "Time from a revert request (or lease expiry) to verified kernel state without the fault.",
  }),
  leaseExpirations: metric({
    name: "meshkit_chaos_agent_lease_expirations_total",
    type: "counter",
    labels: ["kind"],
    help: "Faults the agent reverted by itself because their lease was not renewed (dead-man switch).",
  }),
  capability: metric({
    name: "meshkit_chaos_agent_capability",
    type: "gauge",
    labels: ["capability"],
    help: "1 when the agent measured the capability present (net_admin, sch_netem, tbf, iptables, iptables_statistic, node_process_visible, stress_ng), else 0.",
  }),
} as const;

/** Fault kinds of the catalog (../shared/design/fault-catalog.md); the agent exports `faultsActive` for each. */
export const faultKinds = [
  "leader-kill",
  "process-kill",
  "process-pause",
  "network-partition",
  "network-latency",
  "packet-loss",
  "bandwidth",
  "dns-failure",
  "cpu-stress",
  "memory-pressure",
  "disk-fill",
  "membership-surge",
  "transport-downgrade",
  "cert-expiry",
  "clock-skew",
  "http-fault",
  "invalid-signature",
] as const;
export type FaultKind = (typeof faultKinds)[number];

export type AgentMetricKey = keyof typeof agentMetrics;
