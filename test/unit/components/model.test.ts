import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envKey } from "../../../contract/meshkit.ts";
import { parseSettings, SettingsError } from "../../../components/config.ts";
import { buildEnvironmentModel, nodeName } from "../../../components/model/build.ts";
import { labelKeys, type EnvironmentModel } from "../../../components/model/environment.ts";
import { renderCompose } from "../../../components/compose/render.ts";

const model = (raw: unknown, stack = "local"): EnvironmentModel<string> =>
  buildEnvironmentModel<string>({
    stack,
    settings: parseSettings(raw, "test"),
    certificates: (holder) => ({ certPem: `cert of ${holder}`, keyPem: `key of ${holder}`, caPem: "ca" }),
    agentToken: "s3cret-token",
    prometheusFiles: [{ path: "/etc/meshkit-prometheus/prometheus.yml", content: "global: {}\n" }],
    grafanaFiles: [],
  });

describe("environment model", () => {
  it("has a registry, N nodes each with an agent sidecar, and Prometheus", () => {
    for (const n of [1, 3, 10]) {
      const m = model({ nodes: n });
      const roles = m.services.map((s) => s.role);
      expect(roles.filter((r) => r === "node")).toHaveLength(n);
      expect(roles.filter((r) => r === "agent")).toHaveLength(n);
      expect(roles.filter((r) => r === "registry")).toHaveLength(1);
      expect(roles.filter((r) => r === "prometheus")).toHaveLength(1);
      expect(roles).not.toContain("grafana");
      // Per node its data volume and its agent's state volume (the journal must outlive the tmpfs data volume); Prometheus' data.
      expect(m.volumes).toHaveLength(2 * n + 1);
    }
  });

  it("labels every service with project, stack and run id", () => {
    const m = model({ runId: "r42" }, "ci");
    expect(m.labels).toEqual({ [labelKeys.project]: "meshkit-chaos", [labelKeys.stack]: "ci", [labelKeys.runId]: "r42" });
    expect(m.prefix).toBe("mkc-ci");
  });

  it("points nodes at the registry and at seeds other than themselves", () => {
    const m = model({ nodes: 4 });
    const n1 = m.services.find((s) => s.name === nodeName(0))!;
    expect(n1.env[envKey("mesh:registry:address")]).toBe("registry:17421");
    const seeds = Object.entries(n1.env).filter(([k]) => k.startsWith(envKey("mesh:gossip:seedPeers")));
    expect(seeds.map(([, v]) => v)).toEqual(["node-2:17421", "node-3:17421"]);
  });

  it("publishes ports on loopback only, at the documented layout", () => {
    const m = model({ nodes: 2, hostPortBase: 40000 });
    const published = m.services.flatMap((s) => s.ports.filter((p) => p.host).map((p) => [s.name, p.name, p.host]));
    expect(published).toEqual([
      ["registry", "control", 40002],
      ["node-1", "control", 40100],
      ["node-1", "agent", 40300],
      ["node-2", "control", 40101],
      ["node-2", "agent", 40301],
      ["prometheus", "web", 40000],
    ]);
  });

  it("joins each agent to its node's namespaces with NET_ADMIN and the token as a secret", () => {
    const agent = model({}).services.find((s) => s.role === "agent")!;
    expect(agent.sidecarOf).toBe("node-1");
    expect(agent.capabilities).toEqual(["NET_ADMIN"]);
    expect(Object.values(agent.env)).not.toContain("s3cret-token");
    expect(Object.values(agent.secretEnv ?? {})).toEqual(["s3cret-token"]);
  });

  it("runs a user's node image instead of the reference node", () => {
    const m = model({ node: { image: "example/omnirelay:1.0", env: { EXTRA: "1" } } });
    const nodes = m.services.filter((s) => s.role === "node" || s.role === "registry");
    expect(new Set(nodes.map((s) => s.image))).toEqual(new Set(["example/omnirelay:1.0"]));
    expect(nodes.every((s) => s.env.EXTRA === "1")).toBe(true);
  });

  it("rejects bad settings with the path and what was expected", () => {
    expect(() => parseSettings({ nodes: 0 }, "stacks/Pulumi.local.yaml")).toThrow(/stacks\/Pulumi.local.yaml: nodes: .*>=1/);
    expect(() => parseSettings({ runId: "Bad Id" }, "x")).toThrow(SettingsError);
    expect(() => parseSettings({ scrapeIntervalSeconds: 5 }, "x")).toThrow(/scrapeIntervalSeconds/);
    expect(() => parseSettings({ nodez: 3 }, "x")).toThrow(/nodez/);
  });
});

describe("compose export", () => {
  it("renders the same services, sidecars sharing namespaces, secrets outside the compose file", () => {
    const m = model({ nodes: 2 });
    const { compose, files } = renderCompose(m);
    const doc = parse(compose) as { services: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.services).sort()).toEqual(
      ["node-1", "node-1-agent", "node-2", "node-2-agent", "prometheus", "registry"].sort(),
    );
    expect(doc.services["node-1-agent"]).toMatchObject({ network_mode: "service:node-1", pid: "service:node-1", cap_add: ["NET_ADMIN"] });
    expect(doc.services["node-1"]!.ports).toEqual(["127.0.0.1:30100:8080/tcp", "127.0.0.1:30300:9100/tcp"]);
    expect(compose).not.toContain("s3cret-token");
    expect(compose).not.toContain("key of");
    const tokenFile = files.find((f) => f.path === "secrets/node-1-agent.env")!;
    expect(tokenFile).toMatchObject({ mode: 0o600 });
    expect(tokenFile.content).toContain("s3cret-token");
    expect(files.find((f) => f.path === "files/node-1/etc/meshkit/tls/tls.key")).toMatchObject({ mode: 0o600, content: "key of node-1" });
  });
});
