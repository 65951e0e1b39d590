import * as common from "@grafana/grafana-foundation-sdk/common";
import { AnnotationQueryBuilder, DashboardBuilder, DashboardCursorSync, type Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { agentMetrics, defaults, metrics } from "../../contract/meshkit.ts";
import { datasourceUid } from "./input.ts";
import { agents, labelValues, member, quantile, sel, shareOf } from "./promql.ts";

// Dashboards as code. Each dashboard is first described as plain data (panels and their PromQL), so
// the list of queries an e2e test runs against the live Prometheus is exactly what Grafana shows;
// the Grafana JSON is then built from that data with the Grafana Foundation SDK.
//
// Queries use fixed windows (no $__rate_interval, no template variables) so they run unchanged
// against Prometheus' HTTP API.

type PanelKind = "timeseries" | "stat" | "state";

export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  kind: PanelKind;
  unit?: string;
  queries: PanelQuery[];
  /**
   * True when the query has data on a healthy environment with no fault injected. False for series
   * that only exist once something happened (a fallback, a failed handshake, an applied fault):
   * counters with labels appear on their first increment.
   */
  dataWhenIdle: boolean;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  panels: PanelSpec[];
}

const m = metrics;
const a = agentMetrics;
const lv = labelValues;
const w = "30s";

const ts = (title: string, description: string, queries: PanelQuery[], unit?: string, dataWhenIdle = true): PanelSpec => ({
  title,
  description,
  kind: "timeseries",
  queries,
  dataWhenIdle,
  ...(unit ? { unit } : {}),
});

export const dashboardSpecs: readonly DashboardSpec[] = [
  {
    uid: "meshkit-leadership",
    title: "MeshKit / Leadership",
    description: "Leaders per scope, who leads, terms and the history of elections.",
    panels: [
      {
        title: "Leaders per scope",
        description: "Nodes that hold the lease of each scope: exactly 1 is healthy, 0 is an outage, 2+ is split brain.",
        kind: "stat",
        queries: [{ expr: `sum by (mesh_scope) (${sel(m.isLeader, member)})`, legend: "{{mesh_scope}}" }],
        dataWhenIdle: true,
      },
      {
        title: "Leader by node",
        description: "1 while the node holds the lease of the scope.",
        kind: "state",
        queries: [{ expr: `max by (mesh_scope, node) (${sel(m.isLeader, member)})`, legend: "{{mesh_scope}} {{node}}" }],
        dataWhenIdle: true,
      },
      ts("Lease term", "Highest term seen per scope; it increases on every acquisition.", [
        { expr: `max by (mesh_scope) (${sel(m.leaderTerm, member)})`, legend: "{{mesh_scope}}" },
      ]),
      ts("Election history", "Leadership transitions per minute (elected, lost, expired, stepped down).", [
        {
          expr: `sum by (mesh_scope, mesh_transition) (increase(${sel(m.leadershipTransitions, { ...member, mesh_transition: `!${lv.transition.renewed}` })}[1m]))`,
          legend: "{{mesh_scope}} {{mesh_transition}}",
        },
      ]),
      ts(
        "Election duration p99",
        "Time from the start of a campaign to holding the lease, over 5 minutes.",
        [{ expr: quantile(0.99, m.electionDuration, "5m", ["mesh_scope"]), legend: "{{mesh_scope}}" }],
        "ms",
      ),
      ts(
        "Split-brain events",
        "Times a node observed two leaders for one scope, per minute.",
        [{ expr: `sum by (mesh_scope) (increase(${sel(m.splitBrain, member)}[1m]))`, legend: "{{mesh_scope}}" }],
        undefined,
        false,
      ),
    ],
  },
  {
    uid: "meshkit-gossip",
    title: "MeshKit / Gossip",
    description: "Membership as every node sees it, suspicion, round-trip times and message outcomes.",
    panels: [
      ts("Members by status", "Members each node sees per status.", [
        { expr: `sum by (node, mesh_status) (${sel(m.gossipMembers, member)})`, legend: "{{node}} {{mesh_status}}" },
      ]),
      ts("Suspect and left members", "Members a node suspects or declared left; non-zero means a partition, a dead node or a slow network.", [
        {
          expr: `sum by (node, mesh_status) (${sel(m.gossipMembers, { ...member, mesh_status: `~${lv.memberStatus.Suspect}|${lv.memberStatus.Left}` })})`,
          legend: "{{node}} {{mesh_status}}",
        },
      ]),
      ts(
        "Gossip RTT",
        `p50 and p99 over ${w} per node; the ping timeout is ${defaults.gossip.pingTimeoutMs} ms.`,
        [
          { expr: quantile(0.5, m.gossipRtt, w, ["node"]), legend: "p50 {{node}}" },
          { expr: quantile(0.99, m.gossipRtt, w, ["node"]), legend: "p99 {{node}}" },
        ],
        "ms",
      ),
      ts(
        "Gossip messages",
        "Messages per second by direction and outcome.",
        [
          {
            expr: `sum by (node, mesh_direction, mesh_outcome) (rate(${sel(m.gossipMessages, member)}[${w}]))`,
            legend: "{{node}} {{mesh_direction}} {{mesh_outcome}}",
          },
        ],
        "reqps",
      ),
      ts(
        "Gossip failure ratio",
        "Share of gossip messages that failed, per node.",
        [
          {
            expr: shareOf(
              `rate(${sel(m.gossipMessages, { ...member, mesh_outcome: lv.outcomeFailure })}[${w}])`,
              `rate(${sel(m.gossipMessages, member)}[${w}])`,
              ["node"],
            ),
            legend: "{{node}}",
          },
        ],
        "percentunit",
      ),
    ],
  },
  {
    uid: "meshkit-shards",
    title: "MeshKit / Shards",
    description: "Shard ownership per member, imbalance and rebalancing.",
    panels: [
      ts("Shards owned", "Shards each member owns.", [{ expr: `sum by (node) (${sel(m.shardsOwned, member)})`, legend: "{{node}}" }]),
      {
        title: "Shard imbalance (max/min)",
        description: "Shards of the busiest member over those of the least busy one (a member with none counts as 1).",
        kind: "stat",
        queries: [
          { expr: `max(${sel(m.shardsOwned, member)}) / clamp_min(min(${sel(m.shardsOwned, member)}), 1)`, legend: "max/min" },
        ],
        dataWhenIdle: true,
      },
      ts("Shards moving", "Shards in flight in the current rebalance.", [
        { expr: `sum(${sel(m.rebalanceMoving, member)})`, legend: "moving" },
      ]),
      ts(
        "Rebalance duration p95",
        "Duration of rebalances over 5 minutes.",
        [{ expr: quantile(0.95, m.rebalanceDuration, "5m"), legend: "p95" }],
        "s",
      ),
    ],
  },
  {
    uid: "meshkit-transport",
    title: "MeshKit / Transport",
    description: "Data-plane protocol mix, downgrades from the UDP path to HTTP over TCP, latency and TLS.",
    panels: [
      ts(
        "Requests by transport and protocol",
        "Completed data-plane requests per second.",
        [
          {
            expr: `sum by (network_transport, network_protocol_version) (rate(${sel(m.httpRequestsCompleted, member)}[${w}]))`,
            legend: "{{network_transport}} {{network_protocol_version}}",
          },
        ],
        "reqps",
      ),
      ts(
        "Downgrade ratio",
        "Share of requests over TCP, and client fallbacks per request (no TCP series or no fallback yet counts as 0).",
        [
          {
            expr: shareOf(
              `rate(${sel(m.httpRequestsCompleted, { ...member, network_transport: lv.tcp })}[${w}])`,
              `rate(${sel(m.httpRequestsCompleted, member)}[${w}])`,
              [],
            ),
            legend: "TCP share",
          },
          {
            expr: shareOf(`rate(${sel(m.httpClientFallbacks, member)}[${w}])`, `rate(${sel(m.httpRequestsCompleted, member)}[${w}])`, []),
            legend: "fallbacks per request",
          },
        ],
        "percentunit",
      ),
      ts(
        "Client fallbacks",
        "Fallbacks from the UDP datagram path per second, by the protocol observed after falling back.",
        [
          {
            expr: `sum by (node, http_observed_protocol) (rate(${sel(m.httpClientFallbacks, member)}[${w}]))`,
            legend: "{{node}} {{http_observed_protocol}}",
          },
        ],
        "reqps",
        false,
      ),
      ts(
        "Request duration p99",
        `Data-plane latency by transport over ${w}.`,
        [{ expr: quantile(0.99, m.httpRequestDuration, w, ["network_transport"]), legend: "{{network_transport}}" }],
        "ms",
      ),
      ts(
        "TLS handshake failures",
        "Failed handshakes per minute and listener; expired or untrusted certificates show here.",
        [{ expr: `sum by (node, listener) (increase(${sel(m.tlsHandshakeFailures)}[1m]))`, legend: "{{node}} {{listener}}" }],
        undefined,
        false,
      ),
      ts(
        "Signature failures",
        "Data-plane responses whose signature did not verify, per minute and peer (the invalid-signature fault).",
        [{ expr: `sum by (node, rpc_peer) (increase(${sel(m.signatureFailures, member)}[1m]))`, legend: "{{node}} → {{rpc_peer}}" }],
        undefined,
        false,
      ),
      ts(
        "Certificate time to expiry",
        "Seconds until notAfter of the certificate each listener serves.",
        [{ expr: `min by (node, listener) (${sel(m.tlsCertificateNotAfter)}) - time()`, legend: "{{node}} {{listener}}" }],
        "s",
      ),
    ],
  },
  {
    uid: "meshkit-replication",
    title: "MeshKit / Replication",
    description: "Replication lag of shard writes and replicated events.",
    panels: [
      ts(
        "Replication lag",
        `p50 and p99 over ${w}.`,
        [
          { expr: quantile(0.5, m.replicationLag, w), legend: "p50" },
          { expr: quantile(0.99, m.replicationLag, w), legend: "p99" },
        ],
        "ms",
      ),
      ts(
        "Replication lag p99 by peer",
        `p99 over ${w} per replica peer.`,
        [{ expr: quantile(0.99, m.replicationLag, w, ["rpc_peer"]), legend: "{{rpc_peer}}" }],
        "ms",
      ),
      ts(
        "Replicated events",
        "Replicated write events per second per node.",
        [{ expr: `sum by (node) (rate(${sel(m.replicationEvents, member)}[${w}]))`, legend: "{{node}}" }],
        "ops",
      ),
    ],
  },
  {
    uid: "meshkit-chaos",
    title: "MeshKit / Chaos activity",
    description: "Faults the agents hold, agent health, and how long apply and revert take.",
    panels: [
      {
        title: "Active faults",
        description: "Faults applied right now, all agents together.",
        kind: "stat",
        queries: [{ expr: `sum(${sel(a.faultsActive, agents)})`, legend: "active" }],
        dataWhenIdle: true,
      },
      ts("Active faults by node and kind", "Faults each agent holds, per kind.", [
        { expr: `sum by (node, kind) (${sel(a.faultsActive, agents)})`, legend: "{{node}} {{kind}}" },
      ]),
      {
        title: "Agent health",
        description: "1 while the agent can act on its node's namespaces.",
        kind: "state",
        queries: [{ expr: `max by (node) (${sel(a.agentUp, agents)})`, legend: "{{node}}" }],
        dataWhenIdle: true,
      },
      ts(
        "Apply and revert time p95",
        "From request to verified kernel state, over 5 minutes.",
        [
          { expr: quantile(0.95, a.applyDuration, "5m", ["kind"], agents), legend: "apply {{kind}}" },
          { expr: quantile(0.95, a.revertDuration, "5m", ["kind"], agents), legend: "revert {{kind}}" },
        ],
        "s",
        false,
      ),
      ts(
        "Node clock offset",
        "How far each node's wall clock is shifted by the clock-skew fault (reference node extension).",
        [{ expr: `max by (node) (${sel(m.clockOffset)})`, legend: "{{node}}" }],
        "s",
      ),
      ts(
        "Lease expirations",
        "Faults reverted by the dead-man switch per minute (the runner stopped renewing).",
        [{ expr: `sum by (node, kind) (increase(${sel(a.leaseExpirations, agents)}[1m]))`, legend: "{{node}} {{kind}}" }],
      ),
      {
        title: "Agent capabilities",
        description: "What each agent measured: NET_ADMIN, sch_netem, tbf, iptables (+ statistic match), node process visible, stress-ng.",
        kind: "state",
        queries: [{ expr: `max by (node, capability) (${sel(a.capability, agents)})`, legend: "{{node}} {{capability}}" }],
        dataWhenIdle: true,
      },
    ],
  },
];

/** Fault windows as annotations on every dashboard, so effects line up with their cause. */
const faultAnnotationExpr = `sum by (node, kind) (${sel(a.faultsActive, agents)}) > 0`;

export interface DashboardQuery {
  dashboard: string;
  dashboardUid: string;
  panel: string;
  refId: string;
  expr: string;
  dataWhenIdle: boolean;
}

const refIds = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const refId = (i: number): string => refIds[i] ?? `Q${i}`;

/** Every panel query (and the fault annotation) of every dashboard, for the e2e check against Prometheus. */
export function dashboardQueries(specs: readonly DashboardSpec[] = dashboardSpecs): DashboardQuery[] {
  return specs.flatMap((d) => [
    ...d.panels.flatMap((p) =>
      p.queries.map((q, i) => ({
        dashboard: d.title,
        dashboardUid: d.uid,
        panel: p.title,
        refId: refId(i),
        expr: q.expr,
        dataWhenIdle: p.dataWhenIdle,
      })),
    ),
    { dashboard: d.title, dashboardUid: d.uid, panel: "annotation: chaos faults", refId: "annotation", expr: faultAnnotationExpr, dataWhenIdle: false },
  ]);
}

const datasource = { type: "prometheus", uid: datasourceUid };

const target = (q: PanelQuery, i: number) =>
  new DataqueryBuilder().datasource(datasource).refId(refId(i)).expr(q.expr).legendFormat(q.legend).range();

const size: Record<PanelKind, { w: number; h: number }> = {
  stat: { w: 6, h: 6 },
  state: { w: 18, h: 6 },
  timeseries: { w: 12, h: 8 },
};

/** Left-to-right, wrapping to a new line when a panel does not fit the 24-column grid. */
function layout(panels: readonly PanelSpec[]): { x: number; y: number; w: number; h: number }[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map((p) => {
    const { w, h } = size[p.kind];
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const pos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return pos;
  });
}

function panelBuilder(p: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  const build = <B extends timeseries.PanelBuilder | stat.PanelBuilder | statetimeline.PanelBuilder>(b: B): B => {
    b.id(id).title(p.title).description(p.description).datasource(datasource).gridPos(gridPos);
    p.queries.forEach((q, i) => b.withTarget(target(q, i)));
    if (p.unit) b.unit(p.unit);
    return b;
  };
  switch (p.kind) {
    case "stat":
      return build(new stat.PanelBuilder())
        .graphMode(common.BigValueGraphMode.Area)
        .colorMode(common.BigValueColorMode.Value)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));
    case "state":
      return build(new statetimeline.PanelBuilder()).mergeValues(true);
    case "timeseries":
      return build(new timeseries.PanelBuilder())
        .lineWidth(1)
        .fillOpacity(10)
        .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true));
  }
}

export function buildDashboard(spec: DashboardSpec, tags: readonly string[] = []): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(["meshkit-chaos", ...tags])
    .refresh("5s")
    .time({ from: "now-15m", to: "now" })
    .timezone("utc")
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .annotation(
      new AnnotationQueryBuilder()
        .name("Chaos faults")
        .datasource(datasource)
        .enable(true)
        .iconColor("red")
        .expr(faultAnnotationExpr)
        .step("5s")
        .titleFormat("{{kind}} on {{node}}")
        .tagKeys("node,kind"),
    );
  const positions = layout(spec.panels);
  spec.panels.forEach((p, i) => builder.withPanel(panelBuilder(p, i + 1, positions[i]!)));
  return builder.build();
}
