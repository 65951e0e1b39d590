// `kube up`: the local cluster, started piece by piece. Every step is "make sure": a piece that already
// runs is left alone, so a second `up` on a healthy cluster only checks and returns.
import { writeFile } from "node:fs/promises";
import { imageNames } from "../components/config.ts";
import { apiServerSpec, controllerManagerSpec, etcdSpec, renderBootstrapRbac, schedulerSpec } from "./control-plane.ts";
import { corednsSpec, corefilePath, dnsAnswers, renderCorefile } from "./dns.ts";
import { baseImage, buildPauseImage, importImages } from "./images.ts";
import { kubectl, kubectlOrThrow } from "./kubectl.ts";
import { kwokNodeName, kwokSpec, renderKwokNodes } from "./kwok.ts";
import {
  containerdSpec,
  ensureNodeBridge,
  kubeProxySpec,
  kubeletSpec,
  recordHostState,
  writeNodeConfig,
} from "./node-runtime.ts";
import { hostDirs, kwokNodeLabel, realNodeName, statePaths } from "./paths.ts";
import { ensurePki, superAdminKubeconfig } from "./pki.ts";
import { assertAlive, ensureProcess, stopProcess, type ProcessSpec } from "./processes.ts";
import { apiServerReady, clusterStatus, nodes, type ClusterStatus } from "./status.ts";
import { missingBinaries } from "./toolchain.ts";
import { withClusterLock } from "./lock.ts";
import { execa } from "execa";

export interface UpOptions {
  /** Exactly this many kwok nodes afterwards; undefined keeps whatever simulated nodes exist. */
  readonly simulatedNodes?: number;
  readonly log: (line: string) => void;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds; while waiting, a dead process among `watch` fails at once with its log. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, watch: readonly string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    for (const name of watch) await assertAlive(name);
    if (Date.now() > deadline) {
      throw new Error(`${what} did not happen within ${timeoutMs / 1000} s; see the logs in ${statePaths.logs}`);
    }
    await sleep(500);
  }
}

const started = async (spec: ProcessSpec, log: (line: string) => void) => {
  await ensureProcess(spec, log);
};

/** The project's images present in Docker (`:latest`), plus the base image tests and sidecars use. */
async function projectImages(): Promise<string[]> {
  const candidates = [...Object.values(imageNames).map((name) => `${name}:latest`), baseImage];
  const present: string[] = [];
  for (const image of candidates) {
    if ((await execa("docker", ["image", "inspect", image], { reject: false })).exitCode === 0) present.push(image);
  }
  return present;
}

async function containerdAnswers(): Promise<boolean> {
  const result = await execa("ctr", ["--address", hostDirs.containerdSocket, "version"], { reject: false, timeout: 5000 });
  return result.exitCode === 0;
}

async function realNodeReady(): Promise<boolean> {
  return (await nodes()).some((n) => n.name === realNodeName && n.ready);
}

async function defaultServiceAccount(): Promise<boolean> {
  return (await kubectl(["get", "serviceaccount", "default", "-n", "default", "-o", "name"])).ok;
}

async function reconcileSimulatedNodes(count: number, log: (line: string) => void): Promise<void> {
  const existing = (await nodes()).filter((n) => n.simulated).map((n) => n.name);
  const wanted = new Set(Array.from({ length: count }, (_, i) => kwokNodeName(i)));
  const extra = existing.filter((name) => !wanted.has(name));
  if (extra.length > 0) {
    await kubectlOrThrow(["delete", "node", "--wait=false", ...extra]);
    log(`removed ${extra.length} simulated node(s)`);
  }
  if (count === 0) {
    if (await stopProcess("kwok")) log("stopped kwok (no simulated nodes)");
    return;
  }
  await started(kwokSpec(superAdminKubeconfig), log);
  const missing = [...wanted].filter((name) => !existing.includes(name));
  if (missing.length > 0) {
    await kubectlOrThrow(["apply", "--server-side", "--force-conflicts", "-f", "-"], { input: renderKwokNodes(count), timeoutMs: 300_000 });
    log(`created ${missing.length} simulated node(s) ${kwokNodeName(0)}…${kwokNodeName(count - 1)} (label ${kwokNodeLabel.key}=${kwokNodeLabel.value})`);
  }
  await waitFor(
    `${count} simulated node(s) Ready`,
    async () => (await nodes()).filter((n) => n.simulated && n.ready && wanted.has(n.name)).length === count,
    120_000 + count * 100,
    ["kwok"],
  );
}

export async function clusterUp(options: UpOptions): Promise<ClusterStatus> {
  return withClusterLock("kube up", options.log, () => up(options));
}

async function up(options: UpOptions): Promise<ClusterStatus> {
  const { log } = options;
  const missing = missingBinaries((options.simulatedNodes ?? 0) > 0);
  if (missing.length > 0) throw new Error(`the local cluster cannot start:\n${missing.join("\n")}`);

  const before = await clusterStatus();
  if (!before.running) {
    await recordHostState();
    await ensureNodeBridge();
    await ensurePki(log);
    const pause = await buildPauseImage(log);
    await writeNodeConfig(pause);
    await writeFile(corefilePath, renderCorefile());

    await started(etcdSpec(), log);
    await started(apiServerSpec(), log);
    await waitFor("the API server answering /readyz", apiServerReady, 90_000, ["etcd", "kube-apiserver"]);
    await kubectlOrThrow(["apply", "--server-side", "--force-conflicts", "-f", "-"], { kubeconfig: superAdminKubeconfig, input: renderBootstrapRbac() });
    await started(controllerManagerSpec(), log);
    await started(schedulerSpec(), log);

    await started(containerdSpec(), log);
    await waitFor("the node's containerd answering", containerdAnswers, 30_000, ["containerd"]);
    await importImages([pause, ...(await projectImages())], log);
    await started(kubeletSpec(), log);
    await started(kubeProxySpec(), log);
    await started(corednsSpec(), log);

    await waitFor(`node ${realNodeName} Ready`, realNodeReady, 120_000, ["kubelet", "containerd", "kube-apiserver"]);
    await waitFor("cluster DNS answering", dnsAnswers, 60_000, ["coredns"]);
    await waitFor("the default service account", defaultServiceAccount, 60_000, ["kube-controller-manager"]);
  } else {
    log("the local cluster is already running");
  }
  if (options.simulatedNodes !== undefined) await reconcileSimulatedNodes(options.simulatedNodes, log);
  return clusterStatus();
}
