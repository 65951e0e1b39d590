// Convergence SLOs, measured from Prometheus: after a fault step, how long until the mesh is whole
// again (a new leader with a higher term, every member Alive, no shard moving, replication lag under
// its bound, or any query turning true). Each kind is a PromQL expression that is 1 once converged,
// and a point in time it is measured from (the fault's injection or its rollback).

import { defaultLeadershipScope } from "../contract/meshkit.ts";
import { parseDuration } from "../faults/duration.ts";
import type { PrometheusClient } from "./prometheus.ts";
import type { Slo } from "./scenario/model.ts";

/** What a step knew before its faults: the leader's term and how many members every node saw Alive. */
export interface SloBaseline {
  readonly leaderTerm: number;
  readonly membersAlive: number | null;
}

export const aliveQuery = 'min(sum by (node) (mesh_gossip_members_peers{job="meshkit-node",mesh_status="alive"}))';

export async function sloBaseline(prom: PrometheusClient, termNow: number | undefined): Promise<SloBaseline> {
  const alive = await prom.instant(aliveQuery).catch(() => []);
  return { leaderTerm: termNow ?? 0, membersAlive: alive[0]?.value ?? null };
}

export interface SloSpec {
  /** 1 (or any non-zero) once converged. */
  readonly query: string;
  readonly from: "injection" | "rollback";
  readonly withinMs: number;
}

export function sloSpec(slo: Slo, baseline: SloBaseline): SloSpec {
  const withinMs = parseDuration(slo.within, { name: `slo ${slo.name} within`, minMs: 0, maxMs: 3_600_000 });
  const scope = `mesh_scope="${defaultLeadershipScope}"`;
  const given = slo.query;
  switch (slo.kind) {
    case "leader-elected":
      return {
        query: given ?? `(sum(mesh_leadership_is_leader{job="meshkit-node",${scope}}) == bool 1) * (max(mesh_leadership_term{job="meshkit-node",${scope}}) > bool ${baseline.leaderTerm})`,
        from: "injection",
        withinMs,
      };
    case "members-alive":
      return { query: given ?? `${aliveQuery} >= bool ${baseline.membersAlive ?? 1}`, from: "rollback", withinMs };
    case "shards-rebalanced":
      return { query: given ?? '(sum(mesh_rebalance_shards_moving{job="meshkit-node"}) or vector(0)) == bool 0', from: "rollback", withinMs };
    case "replication-lag":
      return {
        query:
          given ??
          `(histogram_quantile(0.99, sum by (le) (rate(omnirelay_resourcelease_replication_lag_milliseconds_bucket{job="meshkit-node"}[5s]))) or vector(0)) < bool ${slo.boundMs ?? 1000}`,
        from: "rollback",
        withinMs,
      };
    case "query":
      if (!given) throw new Error(`slo ${slo.name}: kind query needs a query`);
      return { query: given, from: "rollback", withinMs };
  }
}

/**
 * Time from `fromMs` until the query first reads converged, from its range data (0.5 s resolution);
 * null while it has not (yet).
 */
export async function convergenceMs(prom: PrometheusClient, spec: SloSpec, fromMs: number, untilMs: number): Promise<number | null> {
  if (untilMs <= fromMs) return null;
  const series = await prom.range(spec.query, fromMs / 1000, untilMs / 1000, 0.5);
  let first: number | null = null;
  for (const s of series) {
    for (const [t, v] of s.values) {
      const value = Number(v);
      if (value !== 0 && !Number.isNaN(value) && (first === null || t * 1000 < first)) {
        first = t * 1000;
        break;
      }
    }
  }
  return first === null ? null : Math.max(0, Math.round(first - fromMs));
}
