import { describe, expect, it } from "vitest";
import { agentMetrics, metrics } from "../../../contract/meshkit.ts";
import { dashboardQueries, observabilityFiles, recorded, ruleFiles } from "../../../components/observability/index.ts";
import { parseObservabilityInput } from "../../../components/observability/input.ts";
import { metricNamesIn } from "../../../components/observability/promql.ts";
import { isAlert } from "../../../components/observability/rules.ts";
import { sampleInput } from "./fixtures.ts";

// The allowed names are derived from the contract map itself, not from the module under test.
const contractSeries = new Set(
  [...Object.values(metrics), ...Object.values(agentMetrics)].flatMap((m) =>
    m.type === "histogram" ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
  ),
);
const contractBaseNames = new Set<string>([...Object.values(metrics), ...Object.values(agentMetrics)].map((m) => m.name));

const rules = ruleFiles(parseObservabilityInput(sampleInput()).thresholds).flatMap((f) => f.groups.flatMap((g) => g.rules));
const recordedNames = new Set(rules.flatMap((r) => (isAlert(r) ? [] : [r.record])));

describe("metric names come from contract/meshkit.ts", () => {
  it("the name extractor finds names through functions, matchers, grouping and binary operators", () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le, node) (rate(a_bucket{x="y",z=~"b|c"}[30s]))) / on(node) group_left(role) (b:c:d offset 5m) > 1e3 and bool unknown_thing',
      ),
    ).toEqual(new Set(["a_bucket", "b:c:d", "unknown_thing"]));
    expect(metricNamesIn("(sum(rate(x[1m])) or vector(0)) / clamp_min(min(y), 1) - time()")).toEqual(new Set(["x", "y"]));
  });

  it("every rule expression reads only contract series or series recorded from them", () => {
    expect(rules.length).toBeGreaterThan(30);
    for (const rule of rules) {
      const names = metricNamesIn(rule.expr);
      expect(names.size, `${rule.expr} reads no metric`).toBeGreaterThan(0);
      for (const name of names) {
        expect(contractSeries.has(name) || recordedNames.has(name), `${name} in ${isAlert(rule) ? rule.alert : rule.record}`).toBe(true);
      }
    }
  });

  it("every recorded series is named level:<contract metric>:operation", () => {
    for (const name of recordedNames) {
      const [, metric] = name.split(":");
      expect(contractBaseNames.has(metric ?? ""), name).toBe(true);
    }
    expect(new Set(Object.values(recorded))).toEqual(recordedNames);
  });

  it("every dashboard query reads only contract series", () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(25);
    for (const q of queries) {
      const names = metricNamesIn(q.expr);
      expect(names.size, `${q.dashboard} / ${q.panel} reads no metric`).toBeGreaterThan(0);
      for (const name of names) expect(contractSeries.has(name), `${name} in ${q.dashboard} / ${q.panel}`).toBe(true);
    }
  });

  it("the query list is exactly what the generated dashboard JSON contains", () => {
    const fromJson = observabilityFiles(sampleInput())
      .filter((f) => f.path.startsWith("grafana/dashboards/"))
      .flatMap((f) => {
        const d = JSON.parse(f.content) as {
          title: string;
          panels: { title: string; targets: { refId: string; expr: string }[] }[];
          annotations: { list: { expr: string }[] };
        };
        return [
          ...d.panels.flatMap((p) => p.targets.map((t) => `${d.title} | ${p.title} | ${t.refId} | ${t.expr}`)),
          ...d.annotations.list.map((a) => `${d.title} | annotation: chaos faults | annotation | ${a.expr}`),
        ];
      });
    expect(dashboardQueries().map((q) => `${q.dashboard} | ${q.panel} | ${q.refId} | ${q.expr}`)).toEqual(fromJson);
  });

  it("every contract metric appears on some dashboard", () => {
    const used = new Set(dashboardQueries().flatMap((q) => [...metricNamesIn(q.expr)]));
    const unused = [...Object.values(metrics), ...Object.values(agentMetrics)]
      .map((m) => m.name)
      .filter((n) => ![...used].some((u) => u === n || u.startsWith(`${n}_`)));
    expect(unused).toEqual([]);
  });
});
