// What the local cluster can leave on the host, captured so a test can compare before `kube up` and after
// `kube down`. Unrelated churn from the Docker engine and other test runs on the same machine is left
// out; each field says what it keeps.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

export interface HostSnapshot {
  /** Processes of the cluster: in a kubepods cgroup, or whose command line names the cluster's
   * state (.kube-local, /run/meshkit-chaos, /var/lib/meshkit-chaos) or a Kubernetes binary. */
  readonly processes: string[];
  /** Mount points, except Docker's (/var/lib/docker, /run/docker) and named netns other than CNI's. */
  readonly mounts: string[];
  /** Host network links, except Docker's networks (br-<id>) and veths enslaved to Docker bridges. */
  readonly links: string[];
  /** iptables and ip6tables chains of every table as `family table chain`, except Docker's DOCKER*. */
  readonly chains: string[];
  /** cgroup directories under any controller's kubepods. */
  readonly kubepodsCgroups: string[];
  /** Listening TCP/UDP sockets `proto address:port process` of the cluster's processes, on the node IP or on its fixed ports. */
  readonly listening: string[];
  /** Directories the node uses at fixed paths. */
  readonly dirs: string[];
}

const kubeNames = /(^|\/)(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|coredns|kwok|containerd-shim-runc-v2)$/;
const ourPaths = /\.kube-local|\/run\/meshkit-chaos|\/var\/lib\/meshkit-chaos/;

async function processes(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const [cmdline, cgroup, stat] = await Promise.all(
      ["cmdline", "cgroup", "stat"].map((f) => readFile(join("/proc", entry, f), "utf8").catch(() => "")),
    );
    // Zombies (state Z) are gone already; only their exit status waits for a reaper.
    if (!cmdline || / Z /.test(stat!.slice(stat!.lastIndexOf(")")))) continue;
    const args = cmdline!.split("\0").filter(Boolean);
    const shimOfDocker = args[0]?.endsWith("containerd-shim-runc-v2") && !ourPaths.test(cmdline!);
    if (shimOfDocker) continue;
    if (cgroup!.includes("/kubepods") || kubeNames.test(args[0] ?? "") || ourPaths.test(cmdline!)) {
      found.push(args.slice(0, 2).join(" "));
    }
  }
  return found.sort();
}

async function mounts(): Promise<string[]> {
  const info = await readFile("/proc/self/mountinfo", "utf8");
  return [...new Set(info.split("\n").filter(Boolean).map((l) => l.split(" ")[4]!))]
    .filter((p) => !/^\/(var\/lib\/docker|run\/docker|var\/run\/docker)\//.test(p))
    .filter((p) => !/^\/(var\/)?run\/netns\/./.test(p) || /^\/(var\/)?run\/netns\/cni-/.test(p))
    .sort();
}

async function links(): Promise<string[]> {
  const { stdout } = await execa("ip", ["-o", "link", "show"]);
  return stdout
    .split("\n")
    .map((line) => ({ name: line.split(": ")[1]!.split("@")[0]!, master: /master (\S+)/.exec(line)?.[1] }))
    .filter((l) => !/^br-[0-9a-f]{12}$/.test(l.name) && !(l.master && (l.master === "docker0" || l.master.startsWith("br-"))))
    .map((l) => (l.master ? `${l.name} master ${l.master}` : l.name))
    .sort();
}

async function chains(): Promise<string[]> {
  const found: string[] = [];
  for (const family of ["iptables", "ip6tables"]) {
    for (const table of ["filter", "nat", "mangle", "raw"]) {
      const saved = await execa(`${family}-save`, ["-t", table], { reject: false });
      for (const line of saved.stdout.split("\n")) {
        if (!line.startsWith(":")) continue;
        const chain = line.slice(1).split(" ")[0]!;
        if (!chain.startsWith("DOCKER")) found.push(`${family} ${table} ${chain}`);
      }
    }
  }
  return found.sort();
}

async function kubepodsCgroups(): Promise<string[]> {
  const found: string[] = [];
  for (const controller of await readdir("/sys/fs/cgroup").catch(() => [])) {
    const root = join("/sys/fs/cgroup", controller, "kubepods");
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => null);
    if (entries === null) continue;
    found.push(`${controller}/kubepods`);
    for (const e of entries) if (e.isDirectory()) found.push(join(e.parentPath, e.name).replace("/sys/fs/cgroup/", ""));
  }
  return found.sort();
}

/** Sockets of the cluster's processes, on its addresses or on its fixed ports (the rest of the machine churns). */
const ourListener = /^\S+ (10\.203\.0\.1|\S+:(53|6443|1024[7-9]|1025[0-9]|1237[9]|1238[01])) |^\S+ \S+ (etcd|kube-.*|kubelet|containerd|coredns|kwok)$/;

async function listening(): Promise<string[]> {
  const { stdout } = await execa("ss", ["-ltnupH"]);
  return [
    ...new Set(
      stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const fields = line.trim().split(/\s+/);
          const proc = /users:\(\("([^"]+)"/.exec(line)?.[1] ?? "?";
          return `${fields[0]} ${fields[4]} ${proc}`;
        })
        .filter((l) => ourListener.test(l)),
    ),
  ].sort();
}

async function dirs(): Promise<string[]> {
  const candidates = ["/var/lib/cni", "/var/lib/kubelet", "/var/log/pods", "/var/log/containers", "/var/lib/meshkit-chaos/kubelet", "/run/meshkit-chaos"];
  const present: string[] = [];
  for (const dir of candidates) if (await readdir(dir).then(() => true, () => false)) present.push(dir);
  return present;
}

export async function snapshotHost(): Promise<HostSnapshot> {
  return {
    processes: await processes(),
    mounts: await mounts(),
    links: await links(),
    chains: await chains(),
    kubepodsCgroups: await kubepodsCgroups(),
    listening: await listening(),
    dirs: await dirs(),
  };
}
