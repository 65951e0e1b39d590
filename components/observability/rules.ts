import { agentMetrics, defaults, metrics } from "../../contract/meshkit.ts";
import type { Thresholds } from "./input.ts";
import { agents, labelValues, member, quantile, recordName, sel, shareOf } from "./promql.ts";

// Recording and alerting rules, one file per concern. `for:` durations are seconds: a chaos lab
// injects a fault for tens of seconds and wants the alert inside that window, while still riding
// over one late scrape (1 s interval) or one normal hand-over (lease 8 s + election window 5 s).

export type Severity = "critical" | "warning" | "info";

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity; concern: Concern };
  annotations: { summary: string; description: string };
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export type Concern = "leadership" | "gossip" | "shards" | "replication" | "transport" | "certificates" | "chaos";

export interface RuleFile {
  concern: Concern;
  groups: RuleGroup[];
}

const m = metrics;
const a = agentMetrics;
const lv = labelValues;

/** Names of the recorded series, for dashboards-to-come and scenario SLOs. */
export const recorded = {
  leadersPerScope: recordName(["mesh_scope"], m.isLeader, "sum"),
  electionsPerScope2m: recordName(["mesh_scope"], m.leadershipTransitions, "elected_increase2m"),
  transitionsRate1m: recordName(["mesh_scope", "mesh_transition"], m.leadershipTransitions, "rate1m"),
  splitBrain1m: recordName(["mesh_scope"], m.splitBrain, "increase1m"),
  aliveMembers: recordName(["node"], m.gossipMembers, "alive"),
  suspectMembers: recordName(["node"], m.gossipMembers, "suspect"),
  leftMembers: recordName(["node"], m.gossipMembers, "left"),
  gossipFailureRatio: recordName(["node"], m.gossipMessages, "failure_ratio30s"),
  gossipRttP99: recordName(["node"], m.gossipRtt, "p99_30s"),
  shardsOwnedMax: recordName([], m.shardsOwned, "max"),
  shardsOwnedMin: recordName([], m.shardsOwned, "min"),
  shardImbalance: recordName([], m.shardsOwned, "max_over_min"),
  shardsMoving: recordName([], m.rebalanceMoving, "sum"),
  replicationLagP99: recordName([], m.replicationLag, "p99_30s"),
  replicationLagP99ByPeer: recordName(["rpc_peer"], m.replicationLag, "p99_30s"),
  requestsByTransport: recordName(["network_transport", "network_protocol_version"], m.httpRequestsCompleted, "rate30s"),
  tcpShare: recordName([], m.httpRequestsCompleted, "tcp_share30s"),
  fallbackRatio: recordName([], m.httpClientFallbacks, "per_request30s"),
  certificateRemaining: recordName(["node", "listener"], m.tlsCertificateNotAfter, "remaining_seconds"),
  handshakeFailures1m: recordName(["node", "listener"], m.tlsHandshakeFailures, "increase1m"),
  faultsActive: recordName(["node", "kind"], a.faultsActive, "sum"),
  faultsActiveTotal: recordName([], a.faultsActive, "sum"),
} as const;
const r = recorded;

const alert = (
  concern: Concern,
  name: string,
  expr: string,
  forSeconds: number,
  severity: Severity,
  summary: string,
  description: string,
): AlertingRule => ({
  alert: name,
  expr,
  for: `${forSeconds}s`,
  labels: { severity, concern },
  annotations: { summary, description },
});

export function ruleFiles(t: Thresholds): RuleFile[] {
  const leaseSeconds = (defaults.leadership.leaseDurationMs + defaults.leadership.maxElectionWindowMs) / 1000;
  const gossipRttLimitMs = defaults.gossip.pingTimeoutMs / 2;
  return [
    {
      concern: "leadership",
      groups: [
        {
          name: "meshkit-leadership-recording",
          rules: [
            { record: r.leadersPerScope, expr: `sum by (mesh_scope) (${sel(m.isLeader, member)})` },
            {
              record: r.electionsPerScope2m,
              expr: `sum by (mesh_scope) (increase(${sel(m.leadershipTransitions, { ...member, mesh_transition: lv.transition.elected })}[2m]))`,
            },
            {
              record: r.transitionsRate1m,
              expr: `sum by (mesh_scope, mesh_transition) (rate(${sel(m.leadershipTransitions, member)}[1m]))`,
            },
            { record: r.splitBrain1m, expr: `sum by (mesh_scope) (increase(${sel(m.splitBrain, member)}[1m]))` },
          ],
        },
        {
          name: "meshkit-leadership-alerts",
          rules: [
            alert(
              "leadership",
              "MeshKitNoLeader",
              `${r.leadersPerScope} == 0`,
              // A killed leader is replaced after its lease expires plus one election window; longer is an outage.
              Math.ceil(leaseSeconds) + 2,
              "critical",
              "No leader for scope {{ $labels.mesh_scope }}",
              "No mesh node has held the lease of {{ $labels.mesh_scope }} for longer than a lease plus an election window.",
            ),
            alert(
              "leadership",
              "MeshKitMultipleLeaders",
              `${r.leadersPerScope} > 1`,
              // Scrapes of different nodes are not simultaneous: one stale sample during a hand-over is not split brain.
              5,
              "critical",
              "{{ $value }} leaders for scope {{ $labels.mesh_scope }}",
              "More than one node reports holding the lease of {{ $labels.mesh_scope }}; fencing should make this impossible.",
            ),
            alert(
              "leadership",
              "MeshKitSplitBrainObserved",
              `${r.splitBrain1m} > 0`,
              0,
              "critical",
              "Split brain observed in scope {{ $labels.mesh_scope }}",
              "A node counted two leaders for {{ $labels.mesh_scope }} in the last minute ({{ $value }} events).",
            ),
            alert(
              "leadership",
              "MeshKitLeaderFlapping",
              `${r.electionsPerScope2m} >= ${t.leaderElectionsPer2m}`,
              0,
              "warning",
              "Leader of {{ $labels.mesh_scope }} flaps",
              `{{ $value }} elections in scope {{ $labels.mesh_scope }} within 2 minutes (threshold ${t.leaderElectionsPer2m}).`,
            ),
          ],
        },
      ],
    },
    {
      concern: "gossip",
      groups: [
        {
          name: "meshkit-gossip-recording",
          rules: [
            { record: r.aliveMembers, expr: `sum by (node) (${sel(m.gossipMembers, { ...member, mesh_status: lv.memberStatus.Alive })})` },
            { record: r.suspectMembers, expr: `sum by (node) (${sel(m.gossipMembers, { ...member, mesh_status: lv.memberStatus.Suspect })})` },
            { record: r.leftMembers, expr: `sum by (node) (${sel(m.gossipMembers, { ...member, mesh_status: lv.memberStatus.Left })})` },
            {
              record: r.gossipFailureRatio,
              expr: shareOf(
                `rate(${sel(m.gossipMessages, { ...member, mesh_outcome: lv.outcomeFailure })}[30s])`,
                `rate(${sel(m.gossipMessages, member)}[30s])`,
                ["node"],
              ),
            },
            { record: r.gossipRttP99, expr: quantile(0.99, m.gossipRtt, "30s", ["node"]) },
          ],
        },
        {
          name: "meshkit-gossip-alerts",
          rules: [
            alert(
              "gossip",
              "MeshKitMeshUnobserved",
              // Per-node rules see nothing once every node is gone: no series, no "== 0". Membership is
              // exported by OmniRelay itself, so this also holds for a real image.
              `absent(${sel(m.gossipMembers, member)})`,
              Math.ceil(leaseSeconds) + 2,
              "critical",
              "No mesh node is scraped",
              "No scraped mesh node exports gossip membership: every node is down or unreachable, or the metrics path is wrong.",
            ),
            alert(
              "gossip",
              "MeshKitGossipMemberSuspect",
              `${r.suspectMembers} > 0`,
              // The node already waited the suspicion interval (5 s) before marking the peer.
              2,
              "warning",
              "{{ $labels.node }} suspects {{ $value }} member(s)",
              "Node {{ $labels.node }} has not heard from {{ $value }} member(s) within the suspicion interval.",
            ),
            alert(
              "gossip",
              "MeshKitGossipMemberLeft",
              `${r.leftMembers} > 0`,
              2,
              "warning",
              "{{ $labels.node }} sees {{ $value }} member(s) as left",
              "Node {{ $labels.node }} declared {{ $value }} member(s) left after suspicion and failed probes.",
            ),
            alert(
              "gossip",
              "MeshKitGossipFailures",
              `${r.gossipFailureRatio} > ${t.gossipFailureRatio}`,
              10,
              "warning",
              "Gossip exchanges of {{ $labels.node }} fail",
              `{{ $value | humanizePercentage }} of gossip messages of {{ $labels.node }} failed over 30 s (threshold ${t.gossipFailureRatio}).`,
            ),
            alert(
              "gossip",
              "MeshKitGossipRttHigh",
              `${r.gossipRttP99} > ${gossipRttLimitMs}`,
              10,
              "warning",
              "Gossip RTT p99 of {{ $labels.node }} is {{ $value }} ms",
              `Gossip round trips of {{ $labels.node }} take more than half the ping timeout (${gossipRttLimitMs} ms) at p99.`,
            ),
          ],
        },
      ],
    },
    {
      concern: "shards",
      groups: [
        {
          name: "meshkit-shards-recording",
          rules: [
            { record: r.shardsOwnedMax, expr: `max(${sel(m.shardsOwned, member)})` },
            { record: r.shardsOwnedMin, expr: `min(${sel(m.shardsOwned, member)})` },
            // clamp_min: a member with no shard at all is the worst imbalance, not a division by zero.
            { record: r.shardImbalance, expr: `max(${sel(m.shardsOwned, member)}) / clamp_min(min(${sel(m.shardsOwned, member)}), 1)` },
            { record: r.shardsMoving, expr: `sum(${sel(m.rebalanceMoving, member)})` },
          ],
        },
        {
          name: "meshkit-shards-alerts",
          rules: [
            alert(
              "shards",
              "MeshKitShardImbalance",
              `${r.shardImbalance} > ${t.shardImbalanceRatio}`,
              30,
              "warning",
              "Shard ownership is imbalanced ({{ $value }}x)",
              `The busiest member owns more than ${t.shardImbalanceRatio}x the shards of the least busy one for 30 s.`,
            ),
            alert(
              "shards",
              "MeshKitRebalanceStuck",
              `${r.shardsMoving} > 0`,
              60,
              "warning",
              "{{ $value }} shards have been moving for a minute",
              "A rebalance has not finished within 60 s.",
            ),
          ],
        },
      ],
    },
    {
      concern: "replication",
      groups: [
        {
          name: "meshkit-replication-recording",
          rules: [
            { record: r.replicationLagP99, expr: quantile(0.99, m.replicationLag, "30s") },
            { record: r.replicationLagP99ByPeer, expr: quantile(0.99, m.replicationLag, "30s", ["rpc_peer"]) },
          ],
        },
        {
          name: "meshkit-replication-alerts",
          rules: [
            alert(
              "replication",
              "MeshKitReplicationLagHigh",
              `${r.replicationLagP99} > ${t.replicationLagP99Ms}`,
              15,
              "warning",
              "Replication lag p99 is {{ $value }} ms",
              `Replicated writes lag more than ${t.replicationLagP99Ms} ms at p99 over 30 s.`,
            ),
          ],
        },
      ],
    },
    {
      concern: "transport",
      groups: [
        {
          name: "meshkit-transport-recording",
          rules: [
            {
              record: r.requestsByTransport,
              expr: `sum by (network_transport, network_protocol_version) (rate(${sel(m.httpRequestsCompleted, member)}[30s]))`,
            },
            // shareOf: no TCP series (or no fallback yet) means a share of 0, not "unknown".
            {
              record: r.tcpShare,
              expr: shareOf(
                `rate(${sel(m.httpRequestsCompleted, { ...member, network_transport: lv.tcp })}[30s])`,
                `rate(${sel(m.httpRequestsCompleted, member)}[30s])`,
                [],
              ),
            },
            {
              record: r.fallbackRatio,
              expr: shareOf(`rate(${sel(m.httpClientFallbacks, member)}[30s])`, `rate(${sel(m.httpRequestsCompleted, member)}[30s])`, []),
            },
          ],
        },
        {
          name: "meshkit-transport-alerts",
          rules: [
            alert(
              "transport",
              "MeshKitTransportDowngraded",
              `${r.tcpShare} > ${t.transportTcpShare}`,
              10,
              "warning",
              "{{ $value | humanizePercentage }} of data-plane requests use TCP",
              `More than ${t.transportTcpShare} of requests fell back from the UDP datagram path to HTTP over TCP.`,
            ),
            alert(
              "transport",
              "MeshKitTransportFallbacks",
              `${r.fallbackRatio} > ${t.fallbackRatio}`,
              10,
              "warning",
              "Clients fall back to HTTP/2 ({{ $value | humanizePercentage }} of requests)",
              `Client fallbacks per request exceed ${t.fallbackRatio} over 30 s: the UDP path is blocked or lossy.`,
            ),
            alert(
              "transport",
              "MeshKitSignatureFailures",
              `sum by (node, rpc_peer) (increase(${sel(m.signatureFailures, member)}[1m])) > 0`,
              5,
              "warning",
              "Responses from {{ $labels.rpc_peer }} fail signature checks on {{ $labels.node }}",
              "{{ $value }} data-plane responses did not verify in the last minute: tampering, a wrong key, or the invalid-signature fault.",
            ),
          ],
        },
      ],
    },
    {
      concern: "certificates",
      groups: [
        {
          name: "meshkit-certificates-recording",
          rules: [
            // Registry included: its certificates expire too.
            { record: r.certificateRemaining, expr: `min by (node, listener) (${sel(m.tlsCertificateNotAfter)}) - time()` },
            { record: r.handshakeFailures1m, expr: `sum by (node, listener) (increase(${sel(m.tlsHandshakeFailures)}[1m]))` },
          ],
        },
        {
          name: "meshkit-certificates-alerts",
          rules: [
            alert(
              "certificates",
              "MeshKitCertificateExpired",
              `${r.certificateRemaining} <= 0`,
              0,
              "critical",
              "Certificate of {{ $labels.node }}/{{ $labels.listener }} has expired",
              "The certificate served by {{ $labels.node }} on {{ $labels.listener }} is past its notAfter.",
            ),
            alert(
              "certificates",
              "MeshKitCertificateExpiringSoon",
              `${r.certificateRemaining} > 0 and ${r.certificateRemaining} < ${t.certificateExpirySeconds}`,
              0,
              "warning",
              "Certificate of {{ $labels.node }}/{{ $labels.listener }} expires in {{ $value | humanizeDuration }}",
              `Less than ${t.certificateExpirySeconds} s remain before notAfter; rotate the run certificates.`,
            ),
            alert(
              "certificates",
              "MeshKitTlsHandshakeFailures",
              `${r.handshakeFailures1m} > 0`,
              5,
              "warning",
              "TLS handshakes fail on {{ $labels.node }}/{{ $labels.listener }}",
              "{{ $value }} handshakes failed in the last minute: expired or untrusted certificate, or a TLS fault.",
            ),
          ],
        },
      ],
    },
    {
      concern: "chaos",
      groups: [
        {
          name: "meshkit-chaos-recording",
          rules: [
            { record: r.faultsActive, expr: `sum by (node, kind) (${sel(a.faultsActive, agents)})` },
            { record: r.faultsActiveTotal, expr: `sum(${sel(a.faultsActive, agents)})` },
          ],
        },
        {
          name: "meshkit-chaos-alerts",
          rules: [
            alert(
              "chaos",
              "MeshKitChaosFaultActive",
              `${r.faultsActive} > 0`,
              0,
              "info",
              "{{ $value }} {{ $labels.kind }} fault(s) active on {{ $labels.node }}",
              "The fault agent of {{ $labels.node }} holds an applied {{ $labels.kind }} fault: alerts from this node are expected.",
            ),
            alert(
              "chaos",
              "MeshKitChaosAgentUnhealthy",
              `${sel(a.agentUp, agents)} == 0`,
              10,
              "warning",
              "Fault agent of {{ $labels.node }} is not healthy",
              "The agent reports it cannot act on the node's namespaces; faults cannot be applied or reverted there.",
            ),
            alert(
              "chaos",
              "MeshKitChaosLeaseExpired",
              `sum by (node, kind) (increase(${sel(a.leaseExpirations, agents)}[1m])) > 0`,
              0,
              "warning",
              "A {{ $labels.kind }} fault on {{ $labels.node }} was reverted by its lease",
              "Nobody renewed the fault's lease, so the agent's dead-man switch reverted it: the runner likely died.",
            ),
          ],
        },
      ],
    },
  ];
}

export const isAlert = (rule: Rule): rule is AlertingRule => "alert" in rule;
