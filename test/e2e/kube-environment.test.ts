// Issue 9 items 3 and 4 on the real engines: `meshkit-chaos env up --stack kube` brings the environment up
// as real pods on the local cluster (Pulumi engine + the kubernetes provider); every object exists, the
// StatefulSet's pods run, the outputs are reachable from the host through NodePorts on loopback; its own
// Prometheus sees every target up and one leader; a partition applied through node-2's agent sidecar is
// seen from another pod and gone after the revert; the environment scales to 10 nodes; a second
// environment (stack kube2, namespace mkc-kube2) runs beside it; `env down` of both leaves nothing labelled.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentApi } from "../../agent/contract.ts";
import { defaultLeadershipScope, metrics, paths } from "../../contract/meshkit.ts";
import { localKubeconfig } from "../../kube/paths.ts";
import { publicEnvironmentOutputs, type PublicEnvironmentOutputs } from "../../lifecycle/outputs.ts";
import { execInMember, placementOf } from "../../runner/members.ts";
import { cliPath, lastJsonLine, meshkitChaos } from "../support/cli.ts";
import { until } from "../support/wait.ts";
import { requireEngines, root } from "./engines.ts";
import { useLocalCluster } from "./kube.ts";

const stacks = { first: "kube", second: "kube2" } as const;
const namespaces = { kube: "mkc-kube", kube2: "mkc-kube2" } as const;
const durations: Record<string, number> = {};

const env = (stack: string, command: string, ...args: string[]) => meshkitChaos(["env", command, "--stack", stack, ...args]);
const parseOutputs = (stdout: string): PublicEnvironmentOutputs => publicEnvironmentOutputs.strict().parse(lastJsonLine(stdout));

async function kubectl(args: readonly string[]) {
  return execa("kubectl", ["--kubeconfig", localKubeconfig, ...args], { reject: false, all: true, timeout: 60_000 });
}
async function kubectlJson<T>(args: readonly string[]): Promise<T> {
  const r = await kubectl([...args, "-o", "json"]);
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.all}`);
  return JSON.parse(r.stdout) as T;
}

/** Everything in the cluster labelled with a stack, namespaced kinds in every namespace plus namespaces. */
async function labelledWith(stack: string): Promise<string[]> {
  const selector = `meshkit-chaos.project=meshkit-chaos,meshkit-chaos.stack=${stack}`;
  const kinds = "namespaces,pods,statefulsets,deployments,services,secrets,configmaps,serviceaccounts,roles,rolebindings";
  const r = await kubectl(["get", kinds, "-A", "-l", selector, "-o", "name"]);
  if (r.exitCode !== 0) throw new Error(`kubectl get failed: ${r.all}`);
  return r.stdout.split("\n").filter(Boolean);
}

async function timed<T>(key: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await run();
  durations[key] = (Date.now() - started) / 1000;
  return result;
}

async function up(stack: string, nodes: number): Promise<PublicEnvironmentOutputs> {
  const r = await timed(`${stack} up ${nodes} nodes`, () => env(stack, "up", "--nodes", String(nodes), "--json"));
  if (r.exitCode !== 0) throw new Error(`env up --stack ${stack} --nodes ${nodes} failed:\n${r.all}`);
  return parseOutputs(String(r.stdout));
}

async function down(stack: string, nodes: number): Promise<void> {
  const r = await timed(`${stack} down ${nodes} nodes`, () => env(stack, "down"));
  if (r.exitCode !== 0) throw new Error(`env down --stack ${stack} failed:\n${r.all}`);
}

async function promQuery(base: string, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== "success") throw new Error(`query failed: ${expr}`);
  return body.data.result;
}

interface Target {
  health: string;
  labels: Record<string, string>;
}
async function upTargets(prometheusUrl: string, expected: number): Promise<Target[]> {
  return until(`${expected} Prometheus targets up`, 120_000, async () => {
    const body = (await (await fetch(`${prometheusUrl}/api/v1/targets`)).json()) as { data: { activeTargets: Target[] } };
    const active = body.data.activeTargets;
    return active.length === expected && active.every((t) => t.health === "up") ? active : undefined;
  });
}

async function oneLeader(prometheusUrl: string): Promise<void> {
  await until("exactly one leader in Prometheus", 120_000, async () => {
    const r = await promQuery(prometheusUrl, `sum(${metrics.isLeader.name}{mesh_scope="${defaultLeadershipScope}"})`);
    return r[0]?.value[1] === "1" ? true : undefined;
  });
}

/** TCP connect from node-1's container to a member's gossip port, by the bare name the mesh uses. */
async function reaches(from: string, to: string): Promise<boolean> {
  const place = placementOf(stacks.first, { platform: "kubernetes", namespace: namespaces.kube });
  const r = await execInMember(place, from, "node", ["bash", "-c", `timeout 2 bash -c 'exec 3<>/dev/tcp/${to}/17421'`], 20_000);
  return r.ok;
}

let outputs: PublicEnvironmentOutputs;

beforeAll(async () => {
  await requireEngines();
  await useLocalCluster();
  // The second environment: its own namespace and host ports (stacks/Pulumi.kube2.yaml is gitignored).
  await writeFile(
    join(root, "stacks", "Pulumi.kube2.yaml"),
    [
      "# Written by test/e2e/kube-environment.test.ts: a second environment beside the kube stack.",
      "config:",
      "  meshkit-chaos:platform: kubernetes",
      '  meshkit-chaos:nodes: "3"',
      '  meshkit-chaos:hostPortBase: "34000"',
      `  meshkit-chaos:kubernetes: '{"namespace":"${namespaces.kube2}"}'`,
      "",
    ].join("\n"),
  );
  for (const stack of Object.values(stacks)) {
    const purge = await env(stack, "purge");
    if (purge.exitCode !== 0) throw new Error(`env purge --stack ${stack} failed:\n${purge.all}`);
  }
  outputs = await up(stacks.first, 3);
}, 900_000);

afterAll(async () => {
  for (const stack of Object.values(stacks)) await env(stack, "down");
  console.log(`kube environment durations (s): ${JSON.stringify(durations)}`);
});

describe("chaos environment on the local Kubernetes cluster", () => {
  it("creates every object, runs node-1..node-3 with their sidecars and outputs URLs reachable from the host", async () => {
    expect(outputs).toMatchObject({ platform: "kubernetes", namespace: namespaces.kube });
    expect(outputs.nodes.map((n) => n.name)).toEqual(["node-1", "node-2", "node-3"]);
    expect(outputs.prometheusUrl).toBe("http://127.0.0.1:33000");
    expect(outputs.registryUrl).toBe("http://127.0.0.1:33002");
    expect(outputs.nodes.map((n) => [n.controlUrl, n.agentUrl])).toEqual([0, 1, 2].map((i) => [`http://127.0.0.1:${33100 + i}`, `http://127.0.0.1:${33300 + i}`]));

    const sts = await kubectlJson<{ status: { readyReplicas?: number } }>(["get", "statefulset", "node", "-n", namespaces.kube]);
    expect(sts.status.readyReplicas).toBe(3);
    const pods = await kubectlJson<{ items: { metadata: { name: string }; status: { phase: string; containerStatuses: { name: string; ready: boolean }[] } }[] }>([
      "get", "pods", "-n", namespaces.kube, "-l", "meshkit-chaos.role=node",
    ]);
    expect(pods.items.map((p) => p.metadata.name).sort()).toEqual(["node-1", "node-2", "node-3"]);
    for (const p of pods.items) {
      expect(p.status.phase, p.metadata.name).toBe("Running");
      expect(p.status.containerStatuses.map((c) => [c.name, c.ready]).sort(), p.metadata.name).toEqual([["agent", true], ["node", true]]);
    }
    const objects = await labelledWith(stacks.first);
    for (const expected of ["namespace/mkc-kube", "statefulset.apps/node", "deployment.apps/registry", "deployment.apps/prometheus", "service/node", "service/registry", "secret/agent-token", "secret/node-files-0", "configmap/prometheus-config", "configmap/prometheus-rules", "service/node-2-host"]) {
      expect(objects, expected).toContain(expected);
    }

    for (const node of outputs.nodes) {
      expect((await fetch(`${node.controlUrl}${paths.healthz}`)).status, node.name).toBe(200);
      // The agent answers, and only with the token.
      expect((await fetch(`${node.agentUrl}${agentApi.paths.capabilities}`)).status, node.name).toBe(401);
    }
    expect((await fetch(`${outputs.registryUrl}${paths.healthz}`)).status).toBe(200);
    expect((await fetch(`${outputs.prometheusUrl}/-/ready`)).status).toBe(200);
  });

  it("is healthy in its own Prometheus: every target up with the Docker labels, exactly one leader", async () => {
    const targets = await upTargets(outputs.prometheusUrl, 7);
    const seen = targets.map((t) => `${t.labels.job} ${t.labels.node} ${t.labels.role} ${t.labels.instance}`).sort();
    expect(seen).toEqual(
      [
        "meshkit-agent node-1 agent node-1:9100",
        "meshkit-agent node-2 agent node-2:9100",
        "meshkit-agent node-3 agent node-3:9100",
        "meshkit-node node-1 node node-1:8080",
        "meshkit-node node-2 node node-2:8080",
        "meshkit-node node-3 node node-3:8080",
        "meshkit-registry registry registry registry:8080",
      ].sort(),
    );
    for (const t of targets) expect(t.labels, t.labels.instance).toMatchObject({ project: "meshkit-chaos", stack: "kube" });
    await oneLeader(outputs.prometheusUrl);
  }, 300_000);

  it("applies a partition through node-2's agent sidecar that another pod sees, and reverts it", async () => {
    expect(await reaches("node-1", "node-2")).toBe(true);
    const apply = execa(cliPath, ["fault", "apply", "network-partition", "--target", "node-2", "--duration", "40s", "--stack", stacks.first, "--json"], {
      cwd: root,
      reject: false,
      all: true,
    });
    let out = "";
    apply.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    try {
      await until("the partition verified active", 180_000, async () => {
        if (apply.exitCode !== null) throw new Error(`fault apply ended early:\n${(await apply).all}`);
        return out.trim().length > 0 ? true : undefined;
      });
      // Seen from another pod: TCP from node-1 to node-2 times out while it holds.
      expect(await reaches("node-1", "node-2")).toBe(false);
      expect(await reaches("node-1", "node-3")).toBe(true);
    } finally {
      const done = await apply;
      expect(done.exitCode, done.all).toBe(0);
    }
    await until("node-2 reachable again after the revert", 30_000, async () => ((await reaches("node-1", "node-2")) ? true : undefined));
  }, 400_000);

  it("rotates certificates with a new run id: the node pods roll with new files, Prometheus keeps its pod", async () => {
    const place = placementOf(stacks.first, { platform: "kubernetes", namespace: namespaces.kube });
    const certOf = async (node: string) => (await execInMember(place, node, "node", ["sha256sum", "/etc/meshkit/tls/tls.crt"])).stdout.split(" ")[0];
    const prometheusPod = async () => (await kubectl(["get", "pods", "-n", namespaces.kube, "-l", "meshkit-chaos.role=prometheus", "-o", "name"])).stdout.trim();
    const [certBefore, podBefore] = [await certOf("node-1"), await prometheusPod()];
    const r = await timed("kube new run id 3 nodes", () => env(stacks.first, "up", "--new-run-id", "--json"));
    expect(r.exitCode, r.all).toBe(0);
    const rotated = parseOutputs(String(r.stdout));
    expect(rotated.runId).not.toBe(outputs.runId);
    expect(rotated.certificateFingerprints["node-1"]).not.toBe(outputs.certificateFingerprints["node-1"]);
    expect(await certOf("node-1")).not.toBe(certBefore);
    expect(await prometheusPod()).toBe(podBefore);
    await oneLeader(outputs.prometheusUrl);
    outputs = rotated;
  }, 600_000);

  it("scales to 10 nodes: ten pods, every target up, one leader", async () => {
    outputs = await up(stacks.first, 10);
    expect(outputs.nodes.map((n) => n.name)).toEqual(Array.from({ length: 10 }, (_, i) => `node-${i + 1}`));
    const sts = await kubectlJson<{ status: { readyReplicas?: number } }>(["get", "statefulset", "node", "-n", namespaces.kube]);
    expect(sts.status.readyReplicas).toBe(10);
    for (const node of outputs.nodes) expect((await fetch(`${node.controlUrl}${paths.healthz}`)).status, node.name).toBe(200);
    await upTargets(outputs.prometheusUrl, 21);
    await oneLeader(outputs.prometheusUrl);
  }, 900_000);

  it("runs a second environment in its own namespace beside the first", async () => {
    const second = await up(stacks.second, 3);
    expect(second).toMatchObject({ platform: "kubernetes", namespace: namespaces.kube2, prometheusUrl: "http://127.0.0.1:34000" });
    await upTargets(second.prometheusUrl, 7);
    await oneLeader(second.prometheusUrl);
    // Each mesh is its own: the first one still has its ten nodes and its own leader.
    await upTargets(outputs.prometheusUrl, 21);
    await oneLeader(outputs.prometheusUrl);
    expect((await labelledWith(stacks.second)).filter((o) => o.startsWith("pod/"))).toHaveLength(5);
  }, 900_000);

  it("env down of both leaves nothing labelled in the cluster", async () => {
    await down(stacks.second, 3);
    await down(stacks.first, 10);
    for (const stack of Object.values(stacks)) {
      // Namespace deletion finishes after the engine returns; the pods go with it.
      await until(`nothing labelled with ${stack}`, 180_000, async () => ((await labelledWith(stack)).length === 0 ? true : undefined), 2_000);
    }
  }, 900_000);
});
