import { defaultLeadershipScope, metrics } from "../../../contract/meshkit.ts";
import { jobs } from "../../../components/observability/input.ts";
import { labelValues, sel } from "../../../components/observability/promql.ts";
import { recorded } from "../../../components/observability/rules.ts";

// promtool rule unit tests (`promtool test rules`), built from the contract so a renamed metric
// breaks them too. Series use a 1 s step, like the lab's scrape interval.

interface Series {
  series: string;
  values: string;
}

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}

interface ExprTest {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}

export interface RuleTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: { name: string; interval: string; input_series: Series[]; alert_rule_test?: AlertTest[]; promql_expr_test?: ExprTest[] }[];
}

const scope = defaultLeadershipScope;
const leader = (node: string) =>
  sel(metrics.isLeader, { job: jobs.node, node, mesh_scope: scope });
const requests = (node: string, transport: string) =>
  sel(metrics.httpRequestsCompleted, {
    job: jobs.node,
    node,
    network_transport: transport,
    rpc_protocol: "http",
    network_protocol_version: transport === labelValues.tcp ? "2" : "3",
    http_response_status_code: "200",
    outcome: "success",
  });

const noLeaderAnnotations = {
  summary: `No leader for scope ${scope}`,
  description: `No mesh node has held the lease of ${scope} for longer than a lease plus an election window.`,
};

export function ruleTests(ruleFiles: string[]): RuleTestFile {
  return {
    rule_files: ruleFiles,
    evaluation_interval: "1s",
    tests: [
      {
        name: "no leader: fires once the scope has had no leader for longer than a lease + election window",
        interval: "1s",
        input_series: [
          // node-1 leads for 20 s, then dies holding nothing; nobody takes over.
          { series: leader("node-1"), values: "1x20 0x60" },
          { series: leader("node-2"), values: "0x80" },
          { series: leader("node-3"), values: "0x80" },
        ],
        alert_rule_test: [
          { eval_time: "10s", alertname: "MeshKitNoLeader", exp_alerts: [] },
          // 9 s without a leader: a normal SIGKILL hand-over, no alert yet.
          { eval_time: "30s", alertname: "MeshKitNoLeader", exp_alerts: [] },
          {
            eval_time: "45s",
            alertname: "MeshKitNoLeader",
            exp_alerts: [{ exp_labels: { severity: "critical", concern: "leadership", mesh_scope: scope }, exp_annotations: noLeaderAnnotations }],
          },
          { eval_time: "45s", alertname: "MeshKitMultipleLeaders", exp_alerts: [] },
        ],
      },
      {
        name: "no leader: a hand-over within the lease does not fire",
        interval: "1s",
        input_series: [
          { series: leader("node-1"), values: "1x20 0x60" },
          { series: leader("node-2"), values: "0x29 1x50" },
        ],
        alert_rule_test: [{ eval_time: "60s", alertname: "MeshKitNoLeader", exp_alerts: [] }],
      },
      {
        name: "more than one leader per scope",
        interval: "1s",
        input_series: [
          { series: leader("node-1"), values: "1x60" },
          { series: leader("node-2"), values: "0x20 1x40" },
        ],
        alert_rule_test: [
          { eval_time: "15s", alertname: "MeshKitMultipleLeaders", exp_alerts: [] },
          {
            eval_time: "40s",
            alertname: "MeshKitMultipleLeaders",
            exp_alerts: [
              {
                exp_labels: { severity: "critical", concern: "leadership", mesh_scope: scope },
                exp_annotations: {
                  summary: `2 leaders for scope ${scope}`,
                  description: `More than one node reports holding the lease of ${scope}; fencing should make this impossible.`,
                },
              },
            ],
          },
        ],
      },
      {
        name: "transport downgrade: fires when the UDP path is blocked and requests move to TCP",
        interval: "1s",
        input_series: [
          // 10 req/s over UDP for a minute, then UDP stops and the same load goes over TCP.
          { series: requests("node-1", labelValues.udp), values: "0+10x60 600x60" },
          { series: requests("node-1", labelValues.tcp), values: "0x60 10+10x60" },
        ],
        alert_rule_test: [
          { eval_time: "50s", alertname: "MeshKitTransportDowngraded", exp_alerts: [] },
          {
            eval_time: "110s",
            alertname: "MeshKitTransportDowngraded",
            exp_alerts: [
              {
                exp_labels: { severity: "warning", concern: "transport" },
                exp_annotations: {
                  summary: "100% of data-plane requests use TCP",
                  description: "More than 0.5 of requests fell back from the UDP datagram path to HTTP over TCP.",
                },
              },
            ],
          },
        ],
        promql_expr_test: [
          // Before the block there is no TCP traffic at all: the share is 0, not missing.
          { expr: recorded.tcpShare, eval_time: "50s", exp_samples: [{ labels: recorded.tcpShare, value: 0 }] },
          { expr: recorded.tcpShare, eval_time: "110s", exp_samples: [{ labels: recorded.tcpShare, value: 1 }] },
        ],
      },
      {
        name: "mesh unobserved: every node gone, only the registry left",
        interval: "1s",
        input_series: [
          { series: sel(metrics.gossipMembers, { job: jobs.node, node: "node-1", mesh_status: labelValues.memberStatus.Alive }), values: "3x10" },
          { series: sel(metrics.gossipMembers, { job: jobs.registry, node: "registry", mesh_status: labelValues.memberStatus.Alive }), values: "3x400" },
        ],
        alert_rule_test: [
          { eval_time: "5s", alertname: "MeshKitMeshUnobserved", exp_alerts: [] },
          {
            // node-1's last sample is at 10 s and stays visible for 5 min of lookback: an explicit stale
            // marker would end it sooner, which promtool cannot express, so evaluate after the lookback.
            eval_time: "330s",
            alertname: "MeshKitMeshUnobserved",
            exp_alerts: [
              {
                exp_labels: { severity: "critical", concern: "gossip", job: jobs.node },
                exp_annotations: {
                  summary: "No mesh node is scraped",
                  description: "No scraped mesh node exports gossip membership: every node is down or unreachable, or the metrics path is wrong.",
                },
              },
            ],
          },
        ],
      },
      {
        name: "gossip failure ratio is 0, not missing, before the first failure",
        interval: "1s",
        input_series: [
          {
            series: sel(metrics.gossipMessages, { job: jobs.node, node: "node-1", mesh_direction: "outbound", mesh_outcome: "success" }),
            values: "0+5x60",
          },
        ],
        promql_expr_test: [{ expr: recorded.gossipFailureRatio, eval_time: "60s", exp_samples: [{ labels: `${recorded.gossipFailureRatio}{node="node-1"}`, value: 0 }] }],
        alert_rule_test: [{ eval_time: "60s", alertname: "MeshKitGossipFailures", exp_alerts: [] }],
      },
    ],
  };
}
