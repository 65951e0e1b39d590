import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { paths } from "../../../contract/meshkit.ts";
import {
  datasourceUid,
  dashboardSpecs,
  jobs,
  ObservabilityInputError,
  observabilityFiles,
  type ObservabilityFile,
} from "../../../components/observability/index.ts";
import type { PrometheusConfig } from "../../../components/observability/prometheus-config.ts";
import { agentTokenFile, nodeIds, sampleInput } from "./fixtures.ts";

const file = (files: ObservabilityFile[], path: string): string => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no generated file ${path}; have ${files.map((x) => x.path).join(", ")}`);
  return f.content;
};

const config = (files: ObservabilityFile[]) => parse(file(files, "prometheus/prometheus.yml")) as PrometheusConfig;

describe("prometheus.yml", () => {
  it("has one scrape job per target group, at the default 1 s interval, with the contract metrics path", () => {
    const c = config(observabilityFiles(sampleInput()));
    expect(c.scrape_configs.map((j) => j.job_name).sort()).toEqual(Object.values(jobs).sort());
    for (const job of c.scrape_configs) {
      expect(job.scrape_interval).toBe("1s");
      expect(job.scrape_timeout).toBe("1s");
    }
    expect(c.global.evaluation_interval).toBe("1s");
    const byName = Object.fromEntries(c.scrape_configs.map((j) => [j.job_name, j]));
    expect(byName[jobs.node]?.metrics_path).toBe(paths.metrics);
    expect(byName[jobs.registry]?.metrics_path).toBe(paths.metrics);
    expect(byName[jobs.agent]?.metrics_path).toBe("/metrics");
    expect(byName[jobs.agent]?.authorization).toEqual({ type: "Bearer", credentials_file: `/etc/meshkit-prometheus/${agentTokenFile}` });
    expect(byName[jobs.node]?.static_configs?.map((s) => s.targets)).toEqual(nodeIds.map((id) => [`${id}:8080`]));
  });

  it("labels every target with its node, role and the environment", () => {
    const c = config(observabilityFiles(sampleInput()));
    const labels = c.scrape_configs.flatMap((j) => (j.static_configs ?? []).map((s) => s.labels));
    expect(labels).toHaveLength(7);
    for (const l of labels) expect(l).toMatchObject({ project: "meshkit-chaos", stack: "local" });
    expect(labels).toContainEqual(expect.objectContaining({ node: "registry", role: "registry" }));
    expect(labels.filter((l) => l.role === "agent").map((l) => l.node)).toEqual([...nodeIds]);
    expect(c.global.external_labels).toEqual({ project: "meshkit-chaos", stack: "local" });
  });

  it("takes a 2 s interval and a per-target metrics path (a real OmniRelay image)", () => {
    const input = sampleInput({ scrapeIntervalSeconds: 2 });
    input.scrape.node.targets[0]!.metricsPath = "/metrics";
    const c = config(observabilityFiles(input));
    for (const job of c.scrape_configs) expect(job.scrape_interval).toBe("2s");
    const node = c.scrape_configs.find((j) => j.job_name === jobs.node)!;
    expect(node.static_configs?.[0]?.labels.__metrics_path__).toBe("/metrics");
    expect(node.static_configs?.[1]?.labels.__metrics_path__).toBeUndefined();
  });

  it("drops a job with no targets instead of writing an empty one", () => {
    const input = sampleInput();
    input.scrape.agent.targets = [];
    expect(config(observabilityFiles(input)).scrape_configs.map((j) => j.job_name)).not.toContain(jobs.agent);
  });

  it("rejects bad input with the path and what was expected", () => {
    expect(() => observabilityFiles(sampleInput({ scrapeIntervalSeconds: 5 }))).toThrow(ObservabilityInputError);
    expect(() => observabilityFiles(sampleInput({ scrapeIntervalSeconds: 5 }))).toThrow(/scrapeIntervalSeconds/);
    const noAgentPath = sampleInput();
    delete (noAgentPath.scrape.agent as { metricsPath?: string }).metricsPath;
    expect(() => observabilityFiles(noAgentPath)).toThrow(/scrape\.agent\.metricsPath/);
    const badAddress = sampleInput();
    badAddress.scrape.node.targets[0]!.address = "http://node-1:8080";
    expect(() => observabilityFiles(badAddress)).toThrow(/scrape\.node\.targets\.0\.address: host:port/);
    const badLabel = sampleInput();
    badLabel.scrape.node.targets[0]!.labels["bad-label"] = "x";
    expect(() => observabilityFiles(badLabel)).toThrow(/bad-label/);
    expect(() => observabilityFiles({ ...sampleInput(), scrape: { ...sampleInput().scrape, node: { targets: [] } } })).toThrow(
      /at least one mesh node/,
    );
  });
});

describe("rule files", () => {
  it("parse as YAML and give every alert a severity, a for: in seconds, a summary and a description", () => {
    const files = observabilityFiles(sampleInput()).filter((f) => f.path.startsWith("prometheus/rules/"));
    expect(files.map((f) => f.path).sort()).toEqual(
      ["certificates", "chaos", "gossip", "leadership", "replication", "shards", "transport"].map((c) => `prometheus/rules/${c}.yml`),
    );
    const alerts = files.flatMap((f) =>
      (parse(f.content) as { groups: { rules: Record<string, unknown>[] }[] }).groups.flatMap((g) => g.rules.filter((r) => "alert" in r)),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(15);
    for (const a of alerts) {
      expect(a.for).toMatch(/^\d+s$/);
      expect(parseInt(String(a.for), 10)).toBeLessThanOrEqual(60);
      expect(["critical", "warning", "info"]).toContain((a.labels as { severity: string }).severity);
      expect(a.annotations).toEqual({ summary: expect.any(String), description: expect.any(String) });
    }
  });
});

describe("grafana provisioning", () => {
  const files = observabilityFiles(sampleInput());

  it("points the datasource at the given Prometheus URL with the uid the dashboards use", () => {
    const ds = parse(file(files, "grafana/provisioning/datasources/meshkit.yml")) as {
      apiVersion: number;
      datasources: { uid: string; url: string; type: string; isDefault: boolean }[];
    };
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toEqual([expect.objectContaining({ uid: datasourceUid, url: "http://prometheus:9090", type: "prometheus", isDefault: true })]);
  });

  it("loads the dashboards directory and writes one JSON file per dashboard", () => {
    const provider = parse(file(files, "grafana/provisioning/dashboards/meshkit.yml")) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(provider.providers[0]).toMatchObject({ type: "file", options: { path: "/var/lib/grafana/dashboards" } });
    const dashboards = files.filter((f) => f.path.startsWith("grafana/dashboards/"));
    expect(dashboards.map((f) => f.path)).toEqual(dashboardSpecs.map((d) => `grafana/dashboards/${d.uid}.json`));
    for (const d of dashboards) {
      const json = JSON.parse(d.content) as {
        uid: string;
        panels: { id: number; datasource: { uid: string }; targets: { datasource: { uid: string } }[]; gridPos: { x: number; w: number } }[];
      };
      expect(new Set(json.panels.map((p) => p.id)).size).toBe(json.panels.length);
      for (const p of json.panels) {
        expect(p.datasource.uid).toBe(datasourceUid);
        expect(p.targets.every((t) => t.datasource.uid === datasourceUid)).toBe(true);
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      }
    }
  });

  it("covers every dashboard the issue asks for", () => {
    const titles = dashboardSpecs.flatMap((d) => d.panels.map((p) => `${d.uid}/${p.title}`));
    for (const wanted of [
      "meshkit-leadership/Leaders per scope",
      "meshkit-leadership/Election history",
      "meshkit-gossip/Gossip RTT",
      "meshkit-gossip/Members by status",
      "meshkit-gossip/Suspect and left members",
      "meshkit-shards/Shards owned",
      "meshkit-shards/Shard imbalance (max/min)",
      "meshkit-transport/Requests by transport and protocol",
      "meshkit-transport/Client fallbacks",
      "meshkit-replication/Replication lag",
      "meshkit-chaos/Active faults by node and kind",
    ]) {
      expect(titles).toContain(wanted);
    }
  });
});
