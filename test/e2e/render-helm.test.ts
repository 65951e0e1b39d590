// Manifests for users without Pulumi, on the local cluster: `env render --platform kubernetes` (the
// Pulumi program through a render provider) and the Helm chart make the same objects for the same
// settings; both are accepted by the real API server (server-side apply, two namespaces); the
// chart's `helm install` reaches Running pods and a working mesh (peers, leader, every target up in its
// own Prometheus); afterwards nothing labelled with these stacks is left.
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importImages } from "../../kube/images.ts";
import { binary } from "../../kube/toolchain.ts";
import { buildImages } from "../../scripts/images.ts";
import { lastJsonLine, meshkitChaos } from "../support/cli.ts";
import {
  chartDir,
  compareManifests,
  helmBinary,
  helmTemplate,
  objectKey,
  parseManifests,
  readRenderDirectory,
  type KubeObject,
} from "../support/manifests.ts";
import { until } from "../support/wait.ts";
import { useLocalCluster } from "./kube.ts";

// Stacks of their own (no stacks/Pulumi.<name>.yaml: the defaults), ports clear of local/ci/kube/kube2.
const rendered = { stack: "render-e2e", namespace: "mkc-render-e2e", hostPortBase: 37000 };
const templated = { stack: "helm-tpl-e2e", namespace: "mkc-helm-tpl-e2e", hostPortBase: 38000 };
const installed = { stack: "helm-e2e", namespace: "mkc-helm-e2e", hostPortBase: 39000, release: "mkc-helm-e2e" };
const stacks = [rendered.stack, templated.stack, installed.stack];
const nodes = 3;

let helm: string;
let kubectl: string;
let images: Record<string, string>;
let out: string;
const log = (line: string) => console.error(`render-helm: ${line}`);

const chartValues = (s: { stack: string; hostPortBase: number }) => ({
  stack: s.stack,
  nodes,
  hostPortBase: s.hostPortBase,
  "images.node": images.node!,
  "images.agent": images.agent!,
  "images.prometheus": images.prometheus!,
});

const kube = (args: readonly string[], input?: string) => execa(kubectl, [...args], { reject: false, all: true, ...(input ? { input } : {}) });

/** Every object of these stacks still in the cluster, as `kind/name` lines. */
async function labelledLeft(): Promise<string[]> {
  const r = await kube([
    "get",
    "namespaces,all,secrets,configmaps,serviceaccounts,roles,rolebindings",
    "-A",
    "-l",
    `meshkit-chaos.stack in (${stacks.join(",")})`,
    "-o",
    "name",
  ]);
  if (r.exitCode !== 0) throw new Error(`kubectl get failed: ${r.all}`);
  return r.stdout.split("\n").filter(Boolean);
}

async function removeEverything(): Promise<void> {
  await execa(helm, ["uninstall", installed.release, "--namespace", "default", "--wait"], { reject: false });
  await kube(["delete", "namespace", rendered.namespace, templated.namespace, installed.namespace, "--ignore-not-found", "--wait=true", "--timeout=300s"]);
}

/** Every object of a manifest stream exists in the cluster (what the server accepted). */
async function expectAllPresent(objects: readonly KubeObject[]): Promise<void> {
  for (const o of objects) {
    const got = await kube(["get", o.kind, o.metadata.name, ...(o.metadata.namespace ? ["-n", o.metadata.namespace] : []), "-o", "name"]);
    expect(got.exitCode, `${objectKey(o)}: ${got.all}`).toBe(0);
  }
}

beforeAll(async () => {
  await useLocalCluster();
  helm = await helmBinary();
  kubectl = binary("kubectl");
  images = await buildImages(log);
  await importImages(Object.values(images), log);
  await removeEverything();
  out = await mkdtemp(join(tmpdir(), "mkc-render-e2e-"));
});

afterAll(async () => {
  await removeEverything();
  if (out) await rm(out, { recursive: true, force: true });
});

describe("env render and the Helm chart on the local cluster", () => {
  it("render writes one private file per object, prints no secret, and equals the chart for the same settings", async () => {
    const run = await meshkitChaos([
      "env",
      "render",
      "--platform",
      "kubernetes",
      "--out",
      out,
      "--stack",
      rendered.stack,
      "--nodes",
      String(nodes),
      "--set",
      `hostPortBase=${rendered.hostPortBase}`,
      "--set",
      `images=${JSON.stringify(images)}`,
      "--json",
    ]);
    expect(run.exitCode, run.all).toBe(0);
    const result = lastJsonLine<{ out: string; objects: { file: string; kind: string }[] }>(run.stdout);
    expect(result.objects.filter((o) => o.kind === "StatefulSet").length).toBe(1);

    const objects = await readRenderDirectory(out);
    for (const file of await readdir(join(out, "manifests"))) expect((await stat(join(out, "manifests", file))).mode & 0o777, file).toBe(0o600);
    // The Secrets carry the run's keys and token; nothing printed does.
    const token = Buffer.from(
      (objects.find((o) => o.kind === "Secret" && o.metadata.name === "agent-token") as KubeObject & { data: { token: string } }).data.token,
      "base64",
    ).toString();
    expect(token.length).toBeGreaterThan(20);
    expect(run.all).not.toContain(token);
    expect(run.all).not.toMatch(/PRIVATE KEY/);
    const keyFile = await readFile(join(out, "manifests", "3-secret-registry-files.yaml"), "utf8");
    expect(Buffer.from((objects.find((o) => o.metadata.name === "registry-files") as KubeObject & { data: Record<string, string> }).data["tls.key"]!, "base64").toString()).toMatch(/PRIVATE KEY/);
    expect(keyFile).not.toMatch(/PRIVATE KEY/); // base64 in the file, as the API expects

    const chart = await helmTemplate(helm, chartValues(rendered));
    expect(compareManifests(objects, chart)).toEqual({ onlyLeft: [], onlyRight: [], differing: {} });
    // `kubectl apply -k DIR` reads the same objects through kustomization.yaml.
    const kustomized = await kube(["kustomize", out]);
    expect(kustomized.exitCode, kustomized.all).toBe(0);
    expect(compareManifests(objects, parseManifests(kustomized.stdout))).toEqual({ onlyLeft: [], onlyRight: [], differing: {} });

    // A second render replaces the first (its marker), with new per-run certificates.
    const again = await meshkitChaos(["env", "render", "--platform", "kubernetes", "--out", out, "--stack", rendered.stack, "--nodes", "1"]);
    expect(again.exitCode, again.all).toBe(0);
    expect((await readRenderDirectory(out)).filter((o) => o.kind === "Service" && o.metadata.name.endsWith("-host")).length).toBe(1 + 2);
  });

  it("render equals the chart with the operator's objects, Grafana, simulated placement and another namespace", async () => {
    const dir = join(out, "operator");
    const settings = ["kubernetes.prometheusOperator=true", "grafana.enabled=true", "kubernetes.simulated=true", "runId=r7", "hostPortBase=35000"];
    const flags = ["--out", dir, "--stack", "demo", "--nodes", "4", "--namespace", "team-b", ...settings.flatMap((v) => ["--set", v])];
    const run = await meshkitChaos(["env", "render", "--platform", "kubernetes", ...flags]);
    expect(run.exitCode, run.all).toBe(0);
    const objects = await readRenderDirectory(dir);
    expect(objects.filter((o) => o.kind === "PodMonitor").length).toBe(3);
    const chart = await helmTemplate(helm, {
      stack: "demo",
      nodes: 4,
      namespace: "team-b",
      "observability.prometheusOperator": true,
      "observability.grafana.enabled": true,
      simulated: true,
      runId: "r7",
      hostPortBase: 35000,
    });
    expect(compareManifests(objects, chart)).toEqual({ onlyLeft: [], onlyRight: [], differing: {} });
  });

  it("both outputs are accepted by the API server (server-side apply) in two namespaces", async () => {
    await meshkitChaos(["env", "render", "--platform", "kubernetes", "--out", out, "--stack", rendered.stack, "--nodes", String(nodes), "--set", `hostPortBase=${rendered.hostPortBase}`, "--set", `images=${JSON.stringify(images)}`]);
    const renderApply = await kube(["apply", "--server-side", "--field-manager", "meshkit-chaos-e2e", "-f", join(out, "manifests")]);
    expect(renderApply.exitCode, renderApply.all).toBe(0);
    await expectAllPresent(await readRenderDirectory(out));

    const args = ["template", templated.stack, chartDir, "--kube-version", "1.34.4", ...Object.entries(chartValues(templated)).flatMap(([k, v]) => ["--set", `${k}=${v}`])];
    const stream = (await execa(helm, args)).stdout;
    const chartApply = await kube(["apply", "--server-side", "--field-manager", "meshkit-chaos-e2e", "-f", "-"], stream);
    expect(chartApply.exitCode, chartApply.all).toBe(0);
    await expectAllPresent(parseManifests(stream));

    await kube(["delete", "namespace", rendered.namespace, templated.namespace, "--wait=true", "--timeout=300s"]);
  });

  it("helm install reaches Running pods and a working mesh; uninstall leaves nothing labelled", async () => {
    const sets = Object.entries(chartValues(installed)).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
    const install = await execa(helm, ["install", installed.release, chartDir, "--namespace", "default", ...sets], { reject: false, all: true });
    expect(install.exitCode, install.all).toBe(0);
    expect(install.stdout).toContain(installed.namespace);

    /** Pods of the release: name, phase, and whether every container is ready. */
    const pods = async () => {
      const r = await kube(["get", "pods", "-n", installed.namespace, "-o", "json"]);
      const list = JSON.parse(r.stdout) as {
        items: { metadata: { name: string }; status: { phase: string; containerStatuses?: { ready: boolean }[] } }[];
      };
      return list.items.map((p) => ({
        name: p.metadata.name,
        running: p.status.phase === "Running" && (p.status.containerStatuses ?? []).length > 0 && p.status.containerStatuses!.every((c) => c.ready),
      }));
    };
    const started = Date.now();
    await until(
      `${nodes} node pods, the registry and Prometheus Running and ready in ${installed.namespace}`,
      300_000,
      async () => {
        const now = await pods();
        return now.length === nodes + 2 && now.every((p) => p.running) ? now : undefined;
      },
      2_000,
    );
    log(`helm install: every pod Running and ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const names = (await pods()).map((p) => p.name).sort();
    expect(names.filter((n) => /^node-\d+$/.test(n))).toEqual(["node-1", "node-2", "node-3"]);

    // The chart's environment works from the host, through its NodePorts: the mesh gossips over mutual
    // TLS with Helm's certificates, elects a leader, and its Prometheus scrapes every node, agent and the registry.
    const local = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3_000) }).then((r) => r.json());
    await until(`node-1 sees ${nodes} nodes alive`, 120_000, async () => {
      const peers = (await local(installed.hostPortBase + 100, "/control/peers")) as { peers: { nodeId: string; status: string }[] };
      const alive = peers.peers.filter((p) => p.status === "Alive" && /^node-\d+$/.test(p.nodeId));
      return alive.length === nodes ? alive : undefined;
    });
    await until("one leader", 120_000, async () => {
      const leaders = (await local(installed.hostPortBase + 100, "/control/leaders")) as { tokens: { leaderId: string }[] };
      return leaders.tokens.length > 0 && leaders.tokens.every((t) => /^node-\d+$/.test(t.leaderId)) ? leaders : undefined;
    });
    const up = await until(`every target up in the chart's Prometheus`, 120_000, async () => {
      const r = (await local(installed.hostPortBase, "/api/v1/query?query=up")) as { data: { result: { metric: { instance: string }; value: [number, string] }[] } };
      const targets = r.data.result;
      return targets.length === 2 * nodes + 1 && targets.every((t) => t.value[1] === "1") ? targets : undefined;
    });
    expect(up.map((t) => t.metric.instance).sort()).toEqual(["node-1:8080", "node-1:9100", "node-2:8080", "node-2:9100", "node-3:8080", "node-3:9100", "registry:8080"]);

    const uninstall = await execa(helm, ["uninstall", installed.release, "--namespace", "default", "--wait"], { reject: false, all: true });
    expect(uninstall.exitCode, uninstall.all).toBe(0);
    await until(`nothing labelled with ${stacks.join(", ")} left in the cluster`, 180_000, async () => ((await labelledLeft()).length === 0 ? true : undefined), 2_000);
    expect(await labelledLeft()).toEqual([]);
  });
});
