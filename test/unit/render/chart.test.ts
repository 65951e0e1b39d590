// The Helm chart (charts/meshkit-chaos): lint, template for several values, and the same objects as
// the Pulumi program's builders for the same settings (per-run values excepted: test/support/manifests.ts).
import { X509Certificate } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { chartFiles } from "../../../components/render/chart-files.ts";
import { chartDir, compareManifests, helmBinary, helmTemplate, programObjects, type KubeObject } from "../../support/manifests.ts";

let helm: string;
beforeAll(async () => {
  helm = await helmBinary();
});

const secretData = (objects: KubeObject[], name: string): Record<string, string> => {
  const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === name) as (KubeObject & { stringData: Record<string, string> }) | undefined;
  if (!secret) throw new Error(`no Secret ${name}`);
  return secret.stringData;
};

interface Case {
  readonly name: string;
  readonly stack: string;
  /** Stack settings of the program. */
  readonly settings: Record<string, unknown>;
  /** The same as chart values. */
  readonly values: Record<string, string | number | boolean>;
  readonly nodes: number;
  readonly namespace: string;
}

const cases: Case[] = [
  { name: "1 node", stack: "kube", settings: { nodes: 1, hostPortBase: 33000 }, values: { nodes: 1 }, nodes: 1, namespace: "mkc-kube" },
  { name: "3 nodes (the kube stack's settings)", stack: "kube", settings: { hostPortBase: 33000 }, values: {}, nodes: 3, namespace: "mkc-kube" },
  {
    name: "10 nodes in another namespace",
    stack: "kube",
    settings: { nodes: 10, hostPortBase: 33000, kubernetes: { namespace: "team-a" } },
    values: { nodes: 10, namespace: "team-a" },
    nodes: 10,
    namespace: "team-a",
  },
  {
    name: "Prometheus Operator objects instead of our Prometheus",
    stack: "kube",
    settings: { hostPortBase: 33000, kubernetes: { prometheusOperator: true } },
    values: { "observability.prometheusOperator": true },
    nodes: 3,
    namespace: "mkc-kube",
  },
  {
    name: "Grafana, simulated placement, 2 s scrapes, another stack and run",
    stack: "demo",
    settings: { nodes: 4, hostPortBase: 40000, runId: "r42", scrapeIntervalSeconds: 2, grafana: { enabled: true }, kubernetes: { simulated: true } },
    values: { stack: "demo", nodes: 4, hostPortBase: 40000, runId: "r42", "observability.scrapeIntervalSeconds": 2, "observability.grafana.enabled": true, simulated: true },
    nodes: 4,
    namespace: "mkc-demo",
  },
  {
    name: "101 nodes without host access (two file Secrets), own ports, images and node env",
    stack: "big",
    settings: {
      nodes: 101,
      kubernetes: { hostAccess: "none" },
      node: { ports: { gossip: 7000, control: 7001, data: 7002 }, env: { MESH_EXTRA: "on" } },
      images: { node: "meshkit-chaos/node:abc", agent: "meshkit-chaos/agent:abc", prometheus: "meshkit-chaos/prometheus:abc" },
      workloadRps: 2,
    },
    values: {
      stack: "big",
      nodes: 101,
      hostAccess: "none",
      "node.ports.gossip": 7000,
      "node.ports.control": 7001,
      "node.ports.data": 7002,
      "node.env.MESH_EXTRA": "on",
      "images.node": "meshkit-chaos/node:abc",
      "images.agent": "meshkit-chaos/agent:abc",
      "images.prometheus": "meshkit-chaos/prometheus:abc",
      workloadRps: 2,
    },
    nodes: 101,
    namespace: "mkc-big",
  },
];

describe("helm chart", () => {
  it("passes helm lint with the default values and with every switch on", async () => {
    for (const sets of [[], ["--set", "observability.prometheusOperator=true,observability.grafana.enabled=true,simulated=true"]]) {
      const lint = await execa(helm, ["lint", "--strict", chartDir, "--kube-version", "1.34.4", ...sets], { reject: false, all: true });
      expect(lint.exitCode, lint.all).toBe(0);
    }
  });

  for (const c of cases) {
    it(`makes the program's objects: ${c.name}`, async () => {
      const chart = await helmTemplate(helm, c.values);
      const program = await programObjects(c.stack, c.settings);
      expect(compareManifests(program, chart)).toEqual({ onlyLeft: [], onlyRight: [], differing: {} });

      // What a user sees: N pods, every object in the namespace, N NodePorts (or none).
      const statefulSet = chart.find((o) => o.kind === "StatefulSet") as KubeObject & { spec: { replicas: number } };
      expect(statefulSet.spec.replicas).toBe(c.nodes);
      for (const o of chart.filter((o) => o.kind !== "Namespace")) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(c.namespace);
      const nodePorts = chart.filter((o) => o.kind === "Service" && (o.spec as { type: string }).type === "NodePort");
      expect(nodePorts.length).toBe(c.values.hostAccess === "none" ? 0 : c.nodes + 2 + (c.values["observability.grafana.enabled"] ? 1 : 0));
      const fileKeys = chart
        .filter((o) => o.kind === "Secret" && o.metadata.name.startsWith("node-files-"))
        .flatMap((o) => Object.keys((o as KubeObject & { stringData: object }).stringData));
      expect(fileKeys.length).toBe(3 * c.nodes);
    });
  }

  it("switches Prometheus: our Deployment, or the operator's Prometheus, PodMonitors and PrometheusRules", async () => {
    const own = await helmTemplate(helm, {});
    const operator = await helmTemplate(helm, { "observability.prometheusOperator": true });
    const kinds = (objects: KubeObject[]) => new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    expect(kinds(own).has("Deployment/prometheus")).toBe(true);
    expect([...kinds(own)].some((k) => k.startsWith("PodMonitor/"))).toBe(false);
    expect(kinds(operator).has("Deployment/prometheus")).toBe(false);
    expect(operator.filter((o) => o.kind === "PodMonitor").map((o) => o.metadata.name).sort()).toEqual(["meshkit-agent", "meshkit-node", "meshkit-registry"]);
    expect(operator.filter((o) => o.kind === "PrometheusRule").length).toBeGreaterThan(0);
  });

  it("generates per-run certificates signed by the run CA, and a new token each time", async () => {
    const first = await helmTemplate(helm, { nodes: 2 });
    const second = await helmTemplate(helm, { nodes: 2 });
    const files = secretData(first, "node-files-0");
    const ca = new X509Certificate(files["node-1.ca.crt"]!);
    for (const holder of ["node-1", "node-2"]) {
      const leaf = new X509Certificate(files[`${holder}.tls.crt`]!);
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.subjectAltName).toContain(`DNS:${holder}`);
      expect(files[`${holder}.tls.key`]).toMatch(/PRIVATE KEY/);
    }
    const registry = new X509Certificate(secretData(first, "registry-files")["tls.crt"]!);
    expect(registry.verify(ca.publicKey)).toBe(true);
    expect(secretData(first, "agent-token").token).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(secretData(second, "agent-token").token).not.toBe(secretData(first, "agent-token").token);
    expect(secretData(second, "node-files-0")["node-1.ca.crt"]).not.toBe(files["node-1.ca.crt"]);
  });

  it("signs with a CA given in values and keeps a given agent token", async () => {
    const generated = secretData(await helmTemplate(helm, { nodes: 1 }), "node-files-0");
    // A user's own CA (openssl is part of the toolchain's base system).
    const dir = await mkdtemp(join(tmpdir(), "mkc-ca-"));
    const caCert = (await execa("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=given", "-days", "1", "-keyout", join(dir, "key")])).stdout;
    const caKey = await readFile(join(dir, "key"), "utf8");
    await rm(dir, { recursive: true });
    const objects = await helmTemplate(helm, { nodes: 1, agentToken: "given-token" }, "mkc", { "certificates.ca.cert": caCert, "certificates.ca.key": caKey });
    const files = secretData(objects, "node-files-0");
    expect(files["node-1.ca.crt"]!.trim()).toBe(caCert.trim());
    expect(new X509Certificate(files["node-1.tls.crt"]!).verify(new X509Certificate(caCert).publicKey)).toBe(true);
    expect(files["node-1.ca.crt"]).not.toBe(generated["node-1.ca.crt"]);
    expect(secretData(objects, "agent-token").token).toBe("given-token");
  });

  it("refuses values the stack settings refuse, naming them", async () => {
    const refused = async (sets: string[]) => execa(helm, ["template", "mkc", chartDir, "--kube-version", "1.34.4", ...sets], { reject: false, all: true });
    for (const [sets, named] of [
      [["--set", "nodes=201"], "nodes"],
      [["--set", "nodes=0"], "nodes"],
      [["--set", "namespace=Bad_NS"], "namespace"],
      [["--set", "hostAccess=ingress"], "hostAccess"],
      [["--set", "noSuchValue=1"], "noSuchValue"],
    ] as const) {
      const out = await refused([...sets]);
      expect(out.exitCode, `${sets.join(" ")}: ${out.all}`).not.toBe(0);
      expect(out.all).toContain(named);
    }
    // Above 200 nodes without published ports is allowed, as for the stack.
    expect((await refused(["--set", "nodes=201,hostAccess=none"])).exitCode).toBe(0);
  });

  it("ships exactly the Prometheus and Grafana files the program generates (node scripts/chart-files.ts writes them)", async () => {
    const expected = chartFiles();
    const entries = await readdir(join(chartDir, "files"), { recursive: true, withFileTypes: true });
    const onDisk = entries.filter((e) => e.isFile()).map((e) => relative(chartDir, join(e.parentPath, e.name))).sort();
    expect(onDisk).toEqual(expected.map((f) => f.path).sort());
    for (const f of expected) expect(await readFile(join(chartDir, f.path), "utf8"), f.path).toBe(f.content);
  });
});
