// `bash scripts/with-env tsx benchmarks/kube-hyperscale.ts [--sizes 1000,2000] [--percents 10,50,100] [--kind network-latency]
// [--pods-per-node 110] [--keep]`: simulated hyperscale on the local cluster. For each size N: kwok nodes
// enough for N pods (`meshkit-chaos kube up --simulated-nodes K`), an environment of N mesh pods on
// them through `pulumi up` (EnvironmentStack, stack `hyperscale`, namespace mkc-hyperscale, hostAccess
// none), then one run stack whose successive updates are the chained steps of a scenario: each step
// declares the Chaos Mesh CRs of one fault selecting P % of the pods (as `fault apply --via chaos-mesh`
// does), replacing the step before; then the run stack's destroy and the environment's destroy.
// Prints up/destroy times, per-step apply times and kube-apiserver / etcd RSS (from /proc) before,
// after up, after the steps and after destroy. Method and figures: benchmarks/README.md.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { projectName } from "../components/config.ts";
import { nodeName } from "../components/model/build.ts";
import { defaultLeadershipScope } from "../contract/meshkit.ts";
import { catalog, parseFaultRequest, planFault } from "../faults/catalog.ts";
import { kwokNodePrefix, localKubeconfig, pidFile, stateDir } from "../kube/paths.ts";
import { EnvironmentStack, projectRoot } from "../lifecycle/environment.ts";
import { assertCrds, faultObjects } from "../runner/chaos-mesh/cluster.ts";
import { kubectl, type Placement } from "../runner/members.ts";
import { RunStack } from "../runner/run-stack.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000" },
    percents: { type: "string", default: "10,50,100" },
    kind: { type: "string", default: "network-latency" },
    "pods-per-node": { type: "string", default: "110" },
    stack: { type: "string", default: "hyperscale" },
    keep: { type: "boolean", default: false },
    // pulumi: `pulumi up`/`destroy` of the stack (EnvironmentStack); render: `env render` of the same
    // settings, `kubectl apply --server-side` and `kubectl delete namespace`; bare: only the node
    // StatefulSet's shape (pods node-1..N with the project's labels on kwok nodes, no certificates,
    // Secrets or observability), for the Chaos Mesh steps and API-server figures when the engine
    // cannot bring N up in time (both other paths run ~3 TLS resources per certificate holder).
    up: { type: "string", default: "pulumi" },
  },
});
const numbers = (text: string, what: string) => {
  const list = text.split(",").map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--${what} expects whole numbers separated by commas, got ${text}`);
  return list;
};
const sizes = numbers(values.sizes, "sizes");
const percents = numbers(values.percents, "percents");
const podsPerNode = numbers(values["pods-per-node"], "pods-per-node")[0]!;
const stack = values.stack;
const namespace = `mkc-${stack}`;
const kind = values.kind as keyof typeof catalog;
if (!(kind in catalog) || catalog[kind].chaosMesh.kind === null) throw new Error(`--kind ${values.kind} has no Chaos Mesh resource; try network-latency, network-partition, pod-kill`);
if (!["pulumi", "render", "bare"].includes(values.up)) throw new Error(`--up expects pulumi, render or bare, got ${values.up}`);
const crdFile = new URL("../../shared/data/chaos-mesh/crd.yaml", import.meta.url).pathname;
const cluster: Extract<Placement, { platform: "kubernetes" }> = { platform: "kubernetes", stack, namespace, kubeconfig: localKubeconfig };

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const seconds = async <T>(work: () => Promise<T>): Promise<[number, T]> => {
  const started = performance.now();
  const result = await work();
  return [(performance.now() - started) / 1000, result];
};

/** RSS in MiB of the local cluster's process `name` (its pidfile, else the process whose argv names the state dir). */
function rssMiB(name: string): number | null {
  let pid: string | undefined;
  if (existsSync(pidFile(name))) pid = readFileSync(pidFile(name), "utf8").trim();
  if (!pid || !existsSync(`/proc/${pid}`)) {
    pid = readdirSync("/proc").find((p) => {
      if (!/^\d+$/.test(p)) return false;
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
        return argv[0]!.endsWith(`/${name}`) || argv[0] === name ? argv.some((a) => a.includes(stateDir)) : false;
      } catch {
        return false;
      }
    });
  }
  if (!pid) return null;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : null;
}
const memory = () => ({ apiserver: rssMiB("kube-apiserver"), etcd: rssMiB("etcd") });

async function cli(args: string[]): Promise<string> {
  const r = await execa(join(projectRoot, "bin", "meshkit-chaos"), args, { all: true, reject: false });
  if (r.exitCode !== 0) throw new Error(`meshkit-chaos ${args.join(" ")} exited ${r.exitCode}:\n${r.all}`);
  return r.all ?? "";
}

async function kwokNodes(): Promise<number> {
  const r = await execa("kubectl", ["--kubeconfig", localKubeconfig, "get", "nodes", "-o", "name"], { reject: false });
  return r.stdout.split("\n").filter((l) => l.includes(kwokNodePrefix)).length;
}

/** The stack's settings file (git-ignored): N simulated mesh pods, nothing published on the host. */
function writeStackSettings(n: number): void {
  const file = join(projectRoot, "stacks", `Pulumi.${stack}.yaml`);
  const kubernetes = JSON.stringify({ namespace, simulated: true, hostAccess: "none" });
  writeFileSync(
    file,
    `# Written by benchmarks/kube-hyperscale.ts (git-ignored): ${n} mesh pods on kwok nodes.\nconfig:\n` +
      `  ${projectName}:platform: kubernetes\n  ${projectName}:nodes: "${n}"\n  ${projectName}:kubernetes: '${kubernetes}'\n`,
  );
}

async function podCounts(): Promise<{ total: number; running: number }> {
  const r = await kubectl(cluster, ["get", "pods", "-l", `meshkit-chaos.role=node`, "--no-headers", "-o", "custom-columns=P:.status.phase"]);
  const phases = r.stdout.split("\n").filter(Boolean);
  return { total: phases.length, running: phases.filter((p) => p === "Running").length };
}

interface Row {
  readonly pods: number;
  readonly kwokNodes: number;
  readonly upS: number;
  readonly running: string;
  readonly steps: { percent: number; targets: number; crs: number; applyS: number; readBackS: number }[];
  readonly runDestroyS: number;
  readonly downS: number;
  readonly mem: Record<"before" | "up" | "steps" | "down", ReturnType<typeof memory>>;
}

const rows: Row[] = [];
for (const n of sizes) {
  const k = Math.ceil(n / podsPerNode) + 1;
  if ((await kwokNodes()) < k) {
    log(`kube up --simulated-nodes ${k}`);
    await cli(["kube", "up", "--simulated-nodes", String(k)]);
  }
  const kwok = await kwokNodes();
  log(`cluster has ${kwok} kwok nodes; Chaos Mesh CRDs server-side`);
  const crds = await execa("kubectl", ["--kubeconfig", localKubeconfig, "apply", "--server-side", "--force-conflicts", "-f", crdFile], { reject: false, all: true });
  if (crds.exitCode !== 0) throw new Error(`installing the Chaos Mesh CRDs failed: ${crds.all}`);
  writeStackSettings(n);
  const mem: Partial<Row["mem"]> = { before: memory() };
  const environment = values.up === "pulumi" ? await EnvironmentStack.open(stack, { onProgress: () => {} }) : null;
  log(`${values.up === "pulumi" ? "pulumi up" : values.up === "render" ? "env render + kubectl apply --server-side" : "a bare StatefulSet"} of ${n} simulated mesh pods`);
  // The node count comes from the settings file (up({nodes}) alone would be judged without the platform).
  const [upS] = await seconds(async () => {
    // On kwok nodes the engine does not await readiness (workloads.ts): up ends when every pod is Running.
    if (environment) await environment.up().then(() => waitRunning(n));
    else if (values.up === "render") await applyRendered(n);
    else await applyBare(n);
  });
  const pods = await podCounts();
  mem.up = memory();
  log(`up in ${upS.toFixed(1)} s: ${pods.running}/${pods.total} pods Running; apiserver ${mem.up.apiserver} MiB`);

  await assertCrds(cluster, [catalog[kind].chaosMesh.kind!]);
  const topology = { nodes: Array.from({ length: n }, (_, i) => nodeName(i)), leaders: { [defaultLeadershipScope]: null } };
  const run = await RunStack.open(stack, `hyperscale-${Date.now().toString(36)}`);
  const steps: Row["steps"] = [];
  try {
    for (const [i, percent] of percents.entries()) {
      const plan = planFault(parseFaultRequest({ kind, targets: `percent:${percent}`, set: {}, duration: "10m" }), topology, `step-${i}`, { namespace });
      const resources = plan.chaosMesh ?? [];
      // One update of the run stack per step: this step's CRs are created, the previous step's deleted.
      const [applyS] = await seconds(() =>
        run.set([{ id: plan.id, kind: plan.kind, targets: plan.targets, ttlSeconds: 0, agentRequests: [], chaosMesh: { kubeconfig: localKubeconfig, resources } }]),
      );
      const [readBackS, found] = await seconds(() => faultObjects(cluster, [...new Set(resources.map((r) => r.kind))], plan.id));
      if (found.length !== resources.length) throw new Error(`step ${i + 1}: ${found.length} of ${resources.length} CRs of ${plan.id} in the cluster`);
      steps.push({ percent, targets: plan.targets.length, crs: resources.length, applyS, readBackS });
      log(`step ${i + 1}: ${kind} on ${percent} % (${plan.targets.length} pods, ${resources.length} CR) applied in ${applyS.toFixed(1)} s`);
    }
  } finally {
    mem.steps = memory();
    const [runDestroyS] = await seconds(() => run.destroyAndRemove());
    log(`run stack destroyed in ${runDestroyS.toFixed(1)} s`);
    const [downS] = await seconds(async () => {
      if (environment) await environment.destroy();
      else await kubectl(cluster, ["delete", "namespace", namespace, "--wait=true", "--timeout=600s"], { timeoutMs: 620_000 });
      await waitNoPods();
    });
    mem.down = memory();
    log(`environment destroyed in ${downS.toFixed(1)} s; apiserver ${mem.down.apiserver} MiB`);
    rows.push({ pods: n, kwokNodes: kwok, upS, running: `${pods.running}/${pods.total}`, steps, runDestroyS, downS, mem: mem as Row["mem"] });
  }
}
if (!values.keep) rmSync(join(projectRoot, "stacks", `Pulumi.${stack}.yaml`), { force: true });

/** `env render` of the stack's settings, applied server-side; done when every node pod is Running. */
async function applyRendered(n: number): Promise<void> {
  const out = join(projectRoot, ".artifacts", "hyperscale-render");
  rmSync(out, { recursive: true, force: true });
  // The node count comes from the settings file (a --nodes flag alone is judged without the platform).
  await cli(["env", "render", "--platform", "kubernetes", "--stack", stack, "--out", out]);
  const applied = await execa("kubectl", ["--kubeconfig", localKubeconfig, "apply", "--server-side", "-k", out], { reject: false, all: true, maxBuffer: 256 * 1024 * 1024 });
  if (applied.exitCode !== 0) throw new Error(`kubectl apply of the rendered manifests failed: ${applied.all?.split("\n").slice(-5).join("\n")}`);
  await waitRunning(n);
}

async function waitRunning(n: number): Promise<void> {
  for (let i = 0; i < 1_800; i++) {
    if ((await podCounts()).running === n) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`${n} pods not Running after 30 min`);
}

/** The node StatefulSet's shape only: N pods node-1..N labelled as the environment's nodes, on kwok nodes. */
async function applyBare(n: number): Promise<void> {
  const labels = { "meshkit-chaos.project": projectName, "meshkit-chaos.stack": stack, "meshkit-chaos.role": "node" };
  const manifest = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { "meshkit-chaos.project": projectName, "meshkit-chaos.stack": stack } } },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "node", namespace, labels },
      spec: {
        serviceName: "node",
        replicas: n,
        ordinals: { start: 1 },
        podManagementPolicy: "Parallel",
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            nodeSelector: { type: "kwok" },
            tolerations: [{ key: "kwok.x-k8s.io/node", operator: "Equal", value: "fake", effect: "NoSchedule" }],
            containers: [
              { name: "node", image: "meshkit-chaos/node:simulated", imagePullPolicy: "Never" },
              { name: "agent", image: "meshkit-chaos/agent:simulated", imagePullPolicy: "Never" },
            ],
          },
        },
      },
    },
  ];
  const applied = await execa("kubectl", ["--kubeconfig", localKubeconfig, "apply", "--server-side", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: manifest }), reject: false, all: true });
  if (applied.exitCode !== 0) throw new Error(`kubectl apply of the bare StatefulSet failed: ${applied.all}`);
  for (let i = 0; i < 1_800; i++) {
    if ((await podCounts()).running === n) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`${n} pods not Running after 30 min`);
}

async function waitNoPods(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await podCounts()).total === 0) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

const mib = (m: ReturnType<typeof memory>) => `${m.apiserver ?? "?"} / ${m.etcd ?? "?"}`;
console.log(`\nhyperscale on kwok (environment via ${values.up}), ${new Date().toISOString().slice(0, 10)}, load ${(await execa("cat", ["/proc/loadavg"])).stdout}`);
console.log(`| pods | kwok nodes | up s (${values.up}) | Running | ` + percents.map((p) => `step ${p} % s (pods, CRs)`).join(" | ") + " | run destroy s | env destroy s | RSS MiB apiserver/etcd: before → up → steps → down |");
console.log("|" + "---|".repeat(7 + percents.length));
for (const r of rows) {
  console.log(
    `| ${r.pods} | ${r.kwokNodes} | ${r.upS.toFixed(1)} | ${r.running} | ` +
      r.steps.map((s) => `${s.applyS.toFixed(1)} (${s.targets}, ${s.crs})`).join(" | ") +
      ` | ${r.runDestroyS.toFixed(1)} | ${r.downS.toFixed(1)} | ${mib(r.mem.before)} → ${mib(r.mem.up)} → ${mib(r.mem.steps)} → ${mib(r.mem.down)} |`,
  );
}
