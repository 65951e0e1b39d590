// `kube down`: stops every process of the cluster and removes what it left on the host — pod tasks and
// their shims, mounts, network namespaces, links, kubepods cgroups, KUBE-*/CNI-* chains, CNI and kubelet
// state — and restores the sysctls it changed. Docker's engine, containerd, networks and containers are
// never touched: only our containerd's socket, our bridges and our directories are.
import { existsSync } from "node:fs";
import { readFile, readdir, rm, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { binary } from "./toolchain.ts";
import { hostDirs, network, statePaths } from "./paths.ts";
import { hostStateFile, runcRoot, type HostState } from "./node-runtime.ts";
import { pidsMentioning, stopPid, stopProcess } from "./processes.ts";
import { processNames } from "./status.ts";
import { withClusterLock } from "./lock.ts";

export interface DownResult {
  /** Processes that were running and were stopped. */
  readonly stopped: string[];
  /** What else was found and removed (mounts, links, chains, cgroups, directories). */
  readonly removed: string[];
}

/** Chains the cluster's kubelet, kube-proxy and CNI plugins create; nothing else on this host makes them. */
export const ownChainPattern = /^(KUBE-|CNI-)/;
const ownRoots = [hostDirs.kubeletRoot, hostDirs.containerdState, "/run/meshkit-chaos", runcRoot, "/var/lib/kubelet"];

const ctr = (...args: string[]) =>
  execa("ctr", ["--address", hostDirs.containerdSocket, "-n", "k8s.io", ...args], { reject: false, timeout: 30_000 });

/** Pids of every process in a kubepods cgroup (the pods' containers and sandboxes). */
async function podProcesses(): Promise<number[]> {
  const pids = new Set<number>();
  const walk = async (dir: string): Promise<void> => {
    const procs = await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "");
    for (const pid of procs.split("\n").filter(Boolean)) pids.add(Number(pid));
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
    }
  };
  // Every process is in exactly one cgroup per controller: one controller's tree lists them all.
  for (const controller of ["pids", "memory", "cpu"]) {
    const root = join("/sys/fs/cgroup", controller, "kubepods");
    if (existsSync(root)) {
      await walk(root);
      break;
    }
  }
  return [...pids];
}

/** Runs `work` over `items`, a few at a time (each ctr call costs a process start on a loaded machine). */
async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<unknown>, width = 8): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work));
}

/** Kills every pod process, then deletes the tasks and containers (sandboxes included) from our containerd. */
async function removePodContainers(removed: string[]): Promise<void> {
  const killed = await podProcesses();
  for (const pid of killed) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  if (!existsSync(hostDirs.containerdSocket)) return;
  const tasks = await ctr("tasks", "ls", "-q");
  const taskIds = tasks.exitCode === 0 ? tasks.stdout.split("\n").filter(Boolean) : [];
  await inBatches(taskIds, (id) => ctr("tasks", "delete", "-f", id));
  const containers = await ctr("containers", "ls", "-q");
  const ids = containers.exitCode === 0 ? containers.stdout.split("\n").filter(Boolean) : [];
  await inBatches(ids, (id) => ctr("containers", "delete", id));
  if (ids.length > 0 || killed.length > 0) removed.push(`${ids.length} pod container(s), ${killed.length} pod process(es) killed`);
}

/** Mount points under our roots and the pods' network namespaces, deepest first. */
async function ownMounts(): Promise<string[]> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  const points = mountinfo
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ")[4]!.replace(/\\040/g, " "));
  return [...new Set(points)]
    .filter((p) => ownRoots.some((root) => p === root || p.startsWith(`${root}/`)) || /^\/(var\/)?run\/netns\/cni-/.test(p))
    .sort((a, b) => b.length - a.length);
}

async function unmountAll(removed: string[]): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const mounts = await ownMounts();
    if (mounts.length === 0) return;
    for (const point of mounts) {
      const result = await execa("umount", [point], { reject: false });
      if (result.exitCode !== 0) await execa("umount", ["-l", point], { reject: false });
    }
    if (round === 0) removed.push(`${mounts.length} mount(s)`);
  }
  for (const entry of await readdir("/run/netns").catch(() => [])) {
    if (entry.startsWith("cni-")) await rm(join("/run/netns", entry), { force: true });
  }
}

/** Removes our chains from every table: first the rules that jump to them, then the chains themselves. */
async function removeChains(command: "iptables" | "ip6tables", removed: string[]): Promise<void> {
  for (const table of ["filter", "nat", "mangle", "raw"]) {
    const saved = await execa(`${command}-save`, ["-t", table], { reject: false });
    if (saved.exitCode !== 0) continue;
    const lines = saved.stdout.split("\n");
    const chains = lines.filter((l) => l.startsWith(":")).map((l) => l.slice(1).split(" ")[0]!).filter((c) => ownChainPattern.test(c));
    if (chains.length === 0) continue;
    // Rules in chains that are not ours (built-in, Docker's) that jump to ours: delete them one by one.
    const jumps = lines.filter((l) => l.startsWith("-A ") && !ownChainPattern.test(l.split(" ")[1]!) && / -j (KUBE-|CNI-)/.test(l));
    for (const rule of jumps) {
      const args = splitRule(rule.replace(/^-A /, "-D "));
      await execa(command, ["-w", "-t", table, ...args], { reject: false });
    }
    for (const chain of chains) await execa(command, ["-w", "-t", table, "-F", chain], { reject: false });
    for (const chain of chains) await execa(command, ["-w", "-t", table, "-X", chain], { reject: false });
    removed.push(`${command} ${table}: ${chains.length} chain(s)`);
  }
}

/** iptables-save quotes arguments with spaces (comments); split respecting the quotes. */
export function splitRule(rule: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(rule); m; m = re.exec(rule)) args.push(m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]!);
  return args;
}

async function removeCgroups(removed: string[]): Promise<void> {
  let count = 0;
  const remove = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await remove(join(dir, entry.name));
    }
    // A cgroup directory goes with rmdir once it has no children and no processes.
    await rmdir(dir).then(() => count++, () => undefined);
  };
  for (const controller of await readdir("/sys/fs/cgroup").catch(() => [])) {
    const dir = join("/sys/fs/cgroup", controller, "kubepods");
    if (existsSync(dir)) await remove(dir);
  }
  if (count > 0) removed.push(`${count} kubepods cgroup(s)`);
}

async function removeLinks(removed: string[]): Promise<void> {
  for (const link of [network.cniBridge, network.nodeBridge]) {
    if ((await execa("ip", ["link", "show", link], { reject: false })).exitCode === 0) {
      await execa("ip", ["link", "delete", link], { reject: false });
      removed.push(`link ${link}`);
    }
  }
}

async function restoreHost(removed: string[]): Promise<void> {
  if (!existsSync(hostStateFile)) return;
  const state = JSON.parse(await readFile(hostStateFile, "utf8")) as HostState;
  for (const [key, value] of Object.entries(state.sysctls)) {
    await writeFile(`/proc/sys/${key.replaceAll(".", "/")}`, value).catch(() => undefined);
  }
  for (const dir of state.createdDirs) {
    if (existsSync(dir)) {
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  await rm(hostStateFile, { force: true });
}

export async function clusterDown(log: (line: string) => void): Promise<DownResult> {
  return withClusterLock("kube down", log, () => stopCluster(log));
}

/** `down` for a caller that already holds the cluster lock (kube/lock.ts). */
export async function stopCluster(log: (line: string) => void): Promise<DownResult> {
  const stopped: string[] = [];
  const removed: string[] = [];
  const stop = async (name: string, graceMs?: number) => {
    if (await stopProcess(name, graceMs)) {
      stopped.push(name);
      log(`stopped ${name}`);
    }
  };
  // Nothing may recreate pods while they are removed: controllers and kwok go first, kubelet next.
  for (const name of ["kwok", "kube-scheduler", "kube-controller-manager", "kubelet"]) await stop(name);
  await removePodContainers(removed);
  await stop("containerd");
  // Shims of our containerd (found by its socket in their command line) that outlived it.
  for (const { pid, command } of await pidsMentioning(hostDirs.containerdSocket)) {
    await stopPid(pid, command, 2000);
    removed.push(`shim pid ${pid}`);
  }
  await stop("kube-proxy");
  await stop("coredns");
  // Its graceful shutdown waits on open watches; nothing is lost by cutting it short, etcd still stops cleanly.
  await stop("kube-apiserver", 3000);
  await stop("etcd");
  for (const name of processNames) await stopProcess(name);

  await unmountAll(removed);
  // kube-proxy's own cleanup first (it knows its rules), then whatever KUBE-*/CNI-* chain is left.
  try {
    await execa(binary("kube-proxy"), ["--cleanup"], { reject: false, timeout: 60_000 });
  } catch {
    // No kube-proxy binary: the chain sweep below still removes its chains.
  }
  await removeChains("iptables", removed);
  await removeChains("ip6tables", removed);
  await removeLinks(removed);
  await removeCgroups(removed);
  for (const dir of [join(hostDirs.cniState, "networks", hostDirs.cniNetworkName), hostDirs.kubeletRoot, "/run/meshkit-chaos"]) {
    if (existsSync(dir)) {
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  for (const dir of [join(hostDirs.cniState, "results"), join(hostDirs.cniState, "cache")]) {
    for (const entry of await readdir(dir).catch(() => [])) {
      if (entry.startsWith(`${hostDirs.cniNetworkName}-`)) await rm(join(dir, entry), { recursive: true, force: true });
    }
  }
  await restoreHost(removed);
  // The cluster's data goes with it (the next up starts empty); certificates and kubeconfigs stay.
  await rm(statePaths.etcdData, { recursive: true, force: true });
  await rm(statePaths.run, { recursive: true, force: true });
  return { stopped, removed };
}
