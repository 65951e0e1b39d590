import { z } from "zod";
import { dashboardQueries, type DashboardQuery } from "./dashboards.ts";

// Runs every dashboard query against a live Prometheus: where Grafana cannot run, this is how the
// dashboards are checked (the e2e test asserts each idle-data query returns at least one series).

export interface QueryOutcome {
  query: DashboardQuery;
  /** Series in the instant result; 0 means "no data". */
  series: number;
  /** Prometheus' error (bad PromQL, unreachable server), if any. */
  error?: string;
}

const apiResponse = z.object({
  status: z.enum(["success", "error"]),
  error: z.string().optional(),
  data: z.object({ resultType: z.string(), result: z.array(z.unknown()) }).optional(),
});

export async function runDashboardQueries(prometheusUrl: string, queries = dashboardQueries()): Promise<QueryOutcome[]> {
  const outcomes: QueryOutcome[] = [];
  for (const query of queries) {
    const url = new URL("/api/v1/query", prometheusUrl);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: query.expr }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = apiResponse.parse(await res.json());
      if (body.status !== "success") outcomes.push({ query, series: 0, error: body.error ?? `HTTP ${res.status}` });
      else outcomes.push({ query, series: body.data?.result.length ?? 0 });
    } catch (e) {
      outcomes.push({ query, series: 0, error: `${url}: ${(e as Error).message}` });
    }
  }
  return outcomes;
}

/** Human-readable problems: errors for every query, "no data" for queries that must have data when idle. */
export function queryProblems(outcomes: readonly QueryOutcome[]): string[] {
  return outcomes.flatMap((o) => {
    const where = `${o.query.dashboard} / ${o.query.panel} [${o.query.refId}]`;
    if (o.error) return [`${where}: ${o.error} (expr: ${o.query.expr})`];
    if (o.query.dataWhenIdle && o.series === 0) return [`${where}: no data (expr: ${o.query.expr})`];
    return [];
  });
}
