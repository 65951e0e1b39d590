// Chaos Mesh resources judged by the real CRD schemas in a real API server (the local cluster): the 23
// Chaos Mesh CRDs (../shared/data/chaos-mesh/crd.yaml) are installed with server-side apply, then EVERY
// resource the fault catalog renders (each kind with a mapping × representative parameters × target
// shapes) and every sample scenario's Workflow is applied server-side (not a dry-run) into a test
// namespace: each must be accepted and read back with the spec we declared (an API server prunes
// unknown fields silently — a pruned field would show here). A bad field is refused by the real schema.
// Then `fault apply --via chaos-mesh` on the kube stack: the CR appears, `fault list` shows it from both
// sides, an interrupt rolls it back and no CR is left. No Chaos Mesh controller runs here (it cannot be
// pulled): this is acceptance and object lifecycle, not injection.

import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, execaSync } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { catalog, faultKindsInfo, parseFaultRequest, planFault, type ChaosMeshResource, type Topology } from "../../faults/index.ts";
import { chaosMeshKinds, faultLabels } from "../../faults/chaos-mesh.ts";
import { localKubeconfig } from "../../kube/paths.ts";
import { specDifferences } from "../../runner/chaos-mesh/cluster.ts";
import { exportWorkflows } from "../../runner/chaos-mesh/export.ts";
import { RunStack } from "../../runner/run-stack.ts";
import { listCatalog } from "../../runner/scenario/catalog.ts";
import { crdPath } from "../support/chaos-mesh-crds.ts";
import { cliPath, lastJsonLine, meshkitChaos, repoRoot } from "../support/cli.ts";
import { useLocalCluster } from "./kube.ts";

const namespace = "mkc-chaos-mesh-e2e";
const testLabel = "meshkit-chaos.test=chaos-mesh-e2e";
/** The kube stack's namespace (stacks/Pulumi.kube.yaml). */
const kubeNamespace = "mkc-kube";
let crdsInstalledHere: string[] = [];
let kubeNamespaceCreatedHere = false;

// The Kubernetes toolchain's kubectl first (a system one may be older than the API server).
const kubetoolsBin = execaSync("bash", [`${repoRoot}/scripts/kubetools/build`, "--print-bin"]).stdout.trim();
process.env.PATH = `${kubetoolsBin}:${process.env.PATH ?? ""}`;

const kubectl = (args: readonly string[], input?: string) =>
  execa("kubectl", ["--kubeconfig", localKubeconfig, ...args], { reject: false, all: true, timeout: 120_000, ...(input !== undefined ? { input } : {}) });

async function kubectlOk(args: readonly string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit ${r.exitCode}):\n${r.all}`);
  return r.stdout;
}

/** The CRDs the tests need established: every CR kind we render (their plural is their name) and Workflow. */
const crdNames = (): string[] => [...chaosMeshKinds.map((k) => `${k.toLowerCase()}.chaos-mesh.org`), "workflows.chaos-mesh.org"];

const resourcesYaml = (objects: readonly object[]): string => objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");

beforeAll(async () => {
  if (!existsSync(crdPath)) throw new Error(`the Chaos Mesh CRDs are missing at ${crdPath}: the e2e layer needs ../shared/data beside the clone`);
  await useLocalCluster();
  // Install only what is not there yet, and remember it: the test removes only what it created.
  const present = new Set((await kubectlOk(["get", "crd", "-o", "name"])).split("\n").map((l) => l.replace("customresourcedefinition.apiextensions.k8s.io/", "")));
  await kubectlOk(["apply", "--server-side", "--field-manager=meshkit-chaos-e2e", "-f", crdPath]);
  const chaosCrds = (await kubectlOk(["get", "crd", "-o", "name"])).split("\n").map((l) => l.replace("customresourcedefinition.apiextensions.k8s.io/", "")).filter((n) => n.endsWith(".chaos-mesh.org"));
  expect(chaosCrds).toHaveLength(23);
  crdsInstalledHere = chaosCrds.filter((n) => !present.has(n));
  await kubectlOk(["wait", "--for", "condition=established", "--timeout=120s", ...crdNames().map((n) => `crd/${n}`)]);
  await kubectl(["delete", "namespace", namespace, "--ignore-not-found", "--wait=true"]);
  await kubectlOk(["create", "namespace", namespace]);
  await kubectlOk(["label", "namespace", namespace, testLabel]);
}, 900_000);

afterAll(async () => {
  await kubectl(["delete", "namespace", namespace, "--ignore-not-found", "--wait=true"]);
  if (kubeNamespaceCreatedHere) await kubectl(["delete", "namespace", kubeNamespace, "--ignore-not-found", "--wait=true"]);
  if (crdsInstalledHere.length > 0) await kubectl(["delete", "crd", ...crdsInstalledHere, "--ignore-not-found"]);
}, 300_000);

/** The kube environment's namespace, created (and removed afterwards) only when that environment is not up. */
async function ensureKubeNamespace(): Promise<void> {
  if ((await kubectl(["get", "namespace", kubeNamespace])).exitCode === 0) return;
  await kubectlOk(["create", "namespace", kubeNamespace]);
  await kubectlOk(["label", "namespace", kubeNamespace, testLabel]);
  kubeNamespaceCreatedHere = true;
}

const topology: Topology = { nodes: ["node-1", "node-2", "node-3", "node-4", "node-5"], leaders: { "global-control": "node-4" } };

/** Representative parameters per kind with a Chaos Mesh mapping, each under several target shapes. */
const cases: Record<string, { set: Record<string, string>; targets: (string | null)[] }[]> = {
  "network-partition": [
    { set: {}, targets: ["node-1", "node-1,node-2", "role:leader"] },
    { set: { peers: "node-3", direction: "outbound" }, targets: ["node-1,node-2"] },
    { set: { peers: "registry", direction: "inbound" }, targets: ["count:2"] },
  ],
  "network-latency": [
    { set: { delay: "250ms" }, targets: ["node-1", "all"] },
    { set: { delay: "1s", jitter: "150ms", correlation: "25", peers: "node-2,registry" }, targets: ["node-1,node-3"] },
    { set: { delay: "5ms", peers: "registry" }, targets: ["percent:40"] },
  ],
  "packet-loss": [
    { set: { loss: "0.5" }, targets: ["node-2"] },
    { set: { loss: "30", peers: "registry" }, targets: ["count:2"] },
  ],
  bandwidth: [
    { set: { rate: "1mbit" }, targets: ["node-3"] },
    { set: { rate: "10gbit", burst: "65536" }, targets: ["all"] },
  ],
  "process-kill": [
    { set: { signal: "SIGKILL" }, targets: ["node-1", "count:3"] },
    { set: { signal: "SIGTERM" }, targets: ["node-2"] },
  ],
  "leader-kill": [
    { set: {}, targets: [null] },
    { set: { signal: "SIGTERM" }, targets: ["role:leader"] },
  ],
  "process-pause": [{ set: {}, targets: ["node-5", "percent:20"] }],
  "cpu-stress": [
    { set: { workers: "1", load: "10" }, targets: ["node-1"] },
    { set: { workers: "64", load: "100" }, targets: ["all"] },
  ],
  "memory-pressure": [
    { set: { megabytes: "1" }, targets: ["node-2"] },
    { set: { megabytes: "16384" }, targets: ["count:2"] },
  ],
  "disk-fill": [{ set: { fill: "99" }, targets: ["node-3", "all"] }],
  "dns-failure": [
    { set: { mode: "nxdomain", names: "registry" }, targets: ["node-1"] },
    { set: { mode: "timeout", names: "*.svc,registry" }, targets: ["all"] },
  ],
  "clock-skew": [
    { set: { offset: "-3h" }, targets: ["node-2"] },
    { set: { offset: "250ms" }, targets: ["count:2"] },
  ],
  "http-fault": [
    { set: { mode: "abort", share: "0.5" }, targets: ["node-1"] },
    { set: { mode: "delay", delay: "2s", share: "1" }, targets: ["all"] },
  ],
};

/** Every CR the catalog renders for the cases above, in the test namespace. */
function renderedResources(): ChaosMeshResource[] {
  const out: ChaosMeshResource[] = [];
  for (const [kind, sets] of Object.entries(cases)) {
    for (const { set, targets } of sets) {
      for (const t of targets) {
        const plan = planFault(parseFaultRequest({ kind, targets: t, set, duration: "45s" }), topology, "e2e", { namespace });
        out.push(...(plan.chaosMesh ?? []));
      }
    }
  }
  return out;
}

interface Stored {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

describe("Chaos Mesh resources against the real CRDs in the local API server", () => {
  it("covers every kind that maps to Chaos Mesh, and `fault kinds --json` says why the others do not", async () => {
    const mapped = faultKindsInfo().filter((k) => k.chaosMesh.kind !== null).map((k) => k.kind).sort();
    expect(Object.keys(cases).sort()).toEqual(mapped);
    const crKinds = new Set(mapped.map((k) => catalog[k].chaosMesh.kind));
    expect([...crKinds].sort()).toEqual([...chaosMeshKinds].sort());
    const r = await meshkitChaos(["fault", "kinds", "--json"]);
    const unmapped = lastJsonLine<{ kind: string; chaosMesh: { kind: string | null; note: string } }[]>(r.stdout).filter((k) => k.chaosMesh.kind === null);
    expect(unmapped.length).toBeGreaterThan(0);
    for (const k of unmapped) expect(k.chaosMesh.note, k.kind).toMatch(/no Chaos Mesh equivalent: .{20,}/);
  });

  it("every rendered resource is accepted by server-side apply and reads back with the declared spec; then deleted", async () => {
    const resources = renderedResources();
    expect(resources.length).toBeGreaterThanOrEqual(30);
    await kubectlOk(["apply", "--server-side", "--field-manager=meshkit-chaos", "-n", namespace, "-f", "-"], resourcesYaml(resources));
    const kinds = [...new Set(resources.map((r) => `${r.kind.toLowerCase()}.chaos-mesh.org`))].join(",");
    const stored = (JSON.parse(await kubectlOk(["get", kinds, "-n", namespace, "-l", faultLabels.faultId, "-o", "json"])) as { items: Stored[] }).items;
    expect(stored).toHaveLength(resources.length);
    const differences = resources.flatMap((r) => {
      const s = stored.find((x) => x.kind === r.kind && x.metadata.name === r.metadata.name);
      if (!s) return [`${r.kind}/${r.metadata.name}: not stored`];
      return specDifferences(r.spec, s.spec).map((d) => `${r.kind}/${r.metadata.name} (${r.metadata.labels[faultLabels.faultKind]}): ${d}`);
    });
    expect(differences).toEqual([]);
    await kubectlOk(["delete", kinds, "-n", namespace, "-l", faultLabels.faultId, "--wait=true"]);
    expect(JSON.parse(await kubectlOk(["get", kinds, "-n", namespace, "-l", faultLabels.faultId, "-o", "json"])).items).toEqual([]);
  }, 300_000);

  it("every sample scenario's Workflow is accepted and reads back as exported; then deleted", async () => {
    const files = [...new Set((await listCatalog()).entries.map((e) => e.file))];
    const workflows = [];
    for (const file of files) workflows.push(...(await exportWorkflows(file, { leader: "node-1", namespace })).workflows.map((w) => w.workflow));
    expect(workflows.map((w) => w.metadata.name)).toEqual(expect.arrayContaining(["kube-split-brain", "kube-verification-failures", "kube-crash-recovery", "kube-latency-degradation", "kube-resource-stress"]));
    await kubectlOk(["apply", "--server-side", "--field-manager=meshkit-chaos", "-n", namespace, "-f", "-"], resourcesYaml(workflows));
    const stored = (JSON.parse(await kubectlOk(["get", "workflows.chaos-mesh.org", "-n", namespace, "-o", "json"])) as { items: Stored[] }).items;
    const differences = workflows.flatMap((w) => {
      const s = stored.find((x) => x.metadata.name === w.metadata.name);
      return s ? specDifferences(w.spec, s.spec).map((d) => `${w.metadata.name}: ${d}`) : [`${w.metadata.name}: not stored`];
    });
    expect(differences).toEqual([]);
    await kubectlOk(["delete", "workflows.chaos-mesh.org", "-n", namespace, "--all", "--wait=true"]);
  }, 300_000);

  it("the real schemas refuse a bad value and an unknown field (nothing is stored)", async () => {
    const [good] = planFault(parseFaultRequest({ kind: "network-latency", targets: "node-1", set: { delay: "100ms" } }), topology, "e2e", { id: "lat-bad001", namespace }).chaosMesh!;
    const badEnum = { ...good!, metadata: { ...good!.metadata, name: "lat-bad001" }, spec: { ...good!.spec, action: "latency" } };
    const enumResult = await kubectl(["apply", "--server-side", "-n", namespace, "-f", "-"], resourcesYaml([badEnum]));
    expect(enumResult.exitCode).not.toBe(0);
    expect(enumResult.all).toMatch(/spec\.action: Unsupported value: "latency"/);
    const unknown = { ...good!, metadata: { ...good!.metadata, name: "lat-bad002" }, spec: { ...good!.spec, directions: "to" } };
    const unknownResult = await kubectl(["apply", "--server-side", "-n", namespace, "-f", "-"], resourcesYaml([unknown]));
    expect(unknownResult.exitCode).not.toBe(0);
    // Server-side apply builds a typed patch from the schema: an undeclared field fails there.
    expect(unknownResult.all).toMatch(/\.spec\.directions: field not declared in schema/);
    const badDelay = { ...good!, metadata: { ...good!.metadata, name: "lat-bad003" }, spec: { ...good!.spec, delay: { latency: "100" } } };
    const patternResult = await kubectl(["apply", "--server-side", "-n", namespace, "-f", "-"], resourcesYaml([badDelay]));
    expect(patternResult.exitCode).not.toBe(0);
    expect(patternResult.all).toMatch(/spec\.delay\.latency/);
    const left = JSON.parse(await kubectlOk(["get", "networkchaos.chaos-mesh.org", "-n", namespace, "-o", "json"])) as { items: unknown[] };
    expect(left.items).toEqual([]);
  }, 120_000);

  it("a run stack's preview is a server-side dry-run: a bad CR fails the preview with the API server's reason, nothing is stored", async () => {
    const stack = await RunStack.open("chaos-mesh-e2e", "preview-bad");
    const bad: ChaosMeshResource = {
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "NetworkChaos",
      metadata: { name: "preview-bad", namespace, labels: { [faultLabels.faultId]: "preview-bad" } },
      spec: { mode: "all", action: "latency", selector: { namespaces: [namespace] } },
    };
    try {
      const preview = stack.preview([{ id: "preview-bad", kind: "network-latency", targets: [], ttlSeconds: 0, agentRequests: [], chaosMesh: { kubeconfig: localKubeconfig, resources: [bad] } }]);
      await expect(preview).rejects.toThrow(/spec\.action: Unsupported value: "latency"/);
    } finally {
      await stack.destroyAndRemove();
    }
    expect((await kubectl(["get", "networkchaos.chaos-mesh.org", "preview-bad", "-n", namespace])).all).toMatch(/NotFound/);
  }, 300_000);

  it("fault apply --via chaos-mesh --dry-run on the kube stack: a server-side dry-run preview of the CR, nothing stored, no run stack left", async () => {
    await ensureKubeNamespace();
    const r = await meshkitChaos(["fault", "apply", "network-latency", "--target", "node-2", "--set", "delay=80ms", "--via", "chaos-mesh", "--stack", "kube", "--dry-run", "--json"]);
    expect(r.exitCode, r.all).toBe(0);
    const out = lastJsonLine<{ id: string; namespace: string; chaosMesh: ChaosMeshResource[] }>(r.stdout);
    expect(out.namespace).toBe(kubeNamespace);
    expect(out.chaosMesh.map((c) => [c.kind, c.metadata.namespace])).toEqual([["NetworkChaos", kubeNamespace]]);
    expect(out.chaosMesh[0]!.spec).toMatchObject({ action: "delay", delay: { latency: "80ms" } });
    expect(r.stderr).toMatch(new RegExp(`\\+\\s+kubernetes:chaos-mesh.org/v1alpha1:NetworkChaos networkchaos-${out.id} create`));
    expect((await kubectl(["get", "networkchaos.chaos-mesh.org", out.id, "-n", kubeNamespace])).all).toMatch(/NotFound/);
    const list = lastJsonLine<{ chaosMesh: { runStacks: { id: string }[] } }>((await meshkitChaos(["fault", "list", "--stack", "kube", "--json"])).stdout);
    expect(list.chaosMesh.runStacks.filter((s) => s.id === out.id)).toEqual([]);
  }, 300_000);

  it("fault apply --via chaos-mesh on the kube stack: the CR exists while active, fault list shows it, an interrupt reverts it and no CR is left", async () => {
    await ensureKubeNamespace();
    const apply = execa(cliPath, ["fault", "apply", "packet-loss", "--target", "node-2", "--set", "loss=20", "--via", "chaos-mesh", "--stack", "kube", "--duration", "5m", "--json"], {
      cwd: repoRoot,
      reject: false,
      all: true,
    });
    let out = "";
    apply.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const deadline = Date.now() + 180_000;
    while (!out.includes('"mechanism":"chaos-mesh"') && Date.now() < deadline && apply.exitCode === null) await sleep(250);
    if (!out.includes('"mechanism":"chaos-mesh"')) {
      apply.kill("SIGINT");
      throw new Error(`fault apply --via chaos-mesh did not become active:\n${(await apply).all}`);
    }
    const active = JSON.parse(out.trim().split("\n")[0]!) as { id: string; evidence: Record<string, string[]>; namespace: string; verification: string };
    expect(active.namespace).toBe(kubeNamespace);
    expect(Object.keys(active.evidence)).toEqual([`NetworkChaos/${active.id}`]);
    expect(active.verification).toMatch(/no Chaos Mesh controller runs/);
    const cr = JSON.parse(await kubectlOk(["get", "networkchaos.chaos-mesh.org", active.id, "-n", kubeNamespace, "-o", "json"])) as Stored;
    expect(cr.spec).toMatchObject({ action: "loss", loss: { loss: "20" } });
    expect(cr.metadata.labels).toMatchObject({ [faultLabels.faultId]: active.id, "meshkit-chaos.stack": "kube" });

    const list = await meshkitChaos(["fault", "list", "--stack", "kube", "--json"]);
    expect(list.exitCode, list.all).toBe(0);
    const inventory = lastJsonLine<{ chaosMesh: { cluster: { id: string; object: string }[]; runStacks: { id: string; runStack: string }[] } }>(list.stdout);
    expect(inventory.chaosMesh.cluster, JSON.stringify(inventory.chaosMesh)).toContainEqual(expect.objectContaining({ id: active.id, object: `NetworkChaos/${active.id}` }));
    expect(inventory.chaosMesh.runStacks).toContainEqual(expect.objectContaining({ id: active.id, runStack: `kube.run-${active.id}` }));

    apply.kill("SIGINT");
    const done = await apply;
    const reverted = lastJsonLine<{ id: string; reason: string; verified: boolean; stillHeldBy: string[] }>(done.stdout);
    expect(reverted).toMatchObject({ id: active.id, reason: "aborted", verified: true, stillHeldBy: [] });
    const left = await kubectl(["get", "networkchaos.chaos-mesh.org", active.id, "-n", kubeNamespace]);
    expect(left.all).toMatch(/NotFound/);
    const after = lastJsonLine<{ chaosMesh: { cluster: { id: string }[]; runStacks: { id: string }[] } }>((await meshkitChaos(["fault", "list", "--stack", "kube", "--json"])).stdout);
    expect(after.chaosMesh.cluster.filter((c) => c.id === active.id)).toEqual([]);
    expect(after.chaosMesh.runStacks.filter((c) => c.id === active.id)).toEqual([]);
  }, 600_000);
});
