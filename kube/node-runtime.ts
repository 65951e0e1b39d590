// The one real node, `mkc-node`: its own containerd (own root, state and socket; never Docker's), the CNI
// bridge network pods attach to, kubelet and kube-proxy. Pods run on the host's kernel, so they can
// use NET_ADMIN sidecars exactly as containers do on Docker.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { stringify } from "yaml";
import type { ProcessSpec } from "./processes.ts";
import { binary } from "./toolchain.ts";
import { hostDirs, network, realNodeName, stateDir, statePaths } from "./paths.ts";
import { tokenUsers } from "./pki.ts";

export const nodePorts = { kubelet: 10250, kubeletHealthz: 10248, proxyHealthz: 10256, proxyMetrics: 10249 } as const;
/** runc's state for our containers, apart from Docker's (/run/containerd/runc). */
export const runcRoot = "/run/meshkit-chaos/runc";

export function renderContainerdConfig(sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    "version = 2",
    `root = ${JSON.stringify(hostDirs.containerdRoot)}`,
    `state = ${JSON.stringify(hostDirs.containerdState)}`,
    // Snapshotters this host cannot use only add noise to the log.
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]',
    "",
    "[grpc]",
    `  address = ${JSON.stringify(hostDirs.containerdSocket)}`,
    "[ttrpc]",
    `  address = ${JSON.stringify(`${hostDirs.containerdSocket}.ttrpc`)}`,
    "[debug]",
    '  address = ""',
    "[metrics]",
    '  address = ""',
    "",
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(join(hostDirs.containerdRoot, "opt"))}`,
    `[${cri}]`,
    `  sandbox_image = ${JSON.stringify(sandboxImage)}`,
    // Root here lacks CAP_SYS_RESOURCE: without this every sandbox fails to lower its OOM score.
    "  restrict_oom_score_adj = true",
    "  enable_selinux = false",
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    "  SystemdCgroup = false",
    `  Root = ${JSON.stringify(runcRoot)}`,
    `[${cri}.cni]`,
    `  bin_dir = ${JSON.stringify(hostDirs.cniBinDir)}`,
    `  conf_dir = ${JSON.stringify(hostDirs.cniConfDir)}`,
    "  max_conf_num = 1",
    "",
  ].join("\n");
}

export function renderCniConflist(): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: hostDirs.cniNetworkName,
      plugins: [
        {
          type: "bridge",
          bridge: network.cniBridge,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: { type: "host-local", ranges: [[{ subnet: network.podCidr }]], routes: [{ dst: "0.0.0.0/0" }] },
        },
        { type: "portmap", capabilities: { portMappings: true } },
        // Docker sets FORWARD to DROP: the firewall plugin admits the pods' traffic.
        { type: "firewall" },
      ],
    },
    null,
    2,
  );
}

export const kubeletConfigPath = join(statePaths.config, "kubelet.yaml");
export const kubeProxyConfigPath = join(statePaths.config, "kube-proxy.yaml");
export const containerdConfigPath = join(statePaths.config, "containerd.toml");

export function renderKubeletConfig(): string {
  return stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    // The API server reaches the kubelet (logs, exec) on the node IP, which lives on a host-only bridge.
    address: network.nodeIp,
    port: nodePorts.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: nodePorts.kubeletHealthz,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: join(statePaths.pki, "ca.crt") },
    },
    authorization: { mode: "Webhook" },
    containerRuntimeEndpoint: `unix://${hostDirs.containerdSocket}`,
    cgroupDriver: "cgroupfs",
    failCgroupV1: false,
    failSwapOn: false,
    clusterDNS: [network.dnsIp],
    clusterDomain: network.clusterDomain,
    resolvConf: "/etc/resolv.conf",
    // A full-ish shared disk must never evict the environment's pods, nor collect their images.
    evictionHard: { "memory.available": "50Mi", "nodefs.available": "1%", "nodefs.inodesFree": "1%", "imagefs.available": "1%" },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    maxPods: 250,
    serializeImagePulls: false,
    registerNode: true,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    podPidsLimit: -1,
  });
}

export function renderKubeProxyConfig(): string {
  return stringify({
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    mode: "iptables",
    hostnameOverride: realNodeName,
    bindAddress: network.nodeIp,
    clusterCIDR: network.podCidr,
    clientConnection: { kubeconfig: tokenUsers.kubeProxy.kubeconfig },
    healthzBindAddress: `127.0.0.1:${nodePorts.proxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${nodePorts.proxyMetrics}`,
    nodePortAddresses: [network.nodePortAddresses],
    iptables: { localhostNodePorts: true },
    // 0: leave the host's conntrack sysctls as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
  });
}

export function containerdSpec(): ProcessSpec {
  return { name: "containerd", command: binary("containerd"), args: ["--config", containerdConfigPath] };
}

export function kubeletSpec(): ProcessSpec {
  return {
    name: "kubelet",
    command: binary("kubelet"),
    args: [
      `--config=${kubeletConfigPath}`,
      `--kubeconfig=${statePaths.kubeletKubeconfig}`,
      `--root-dir=${hostDirs.kubeletRoot}`,
      `--hostname-override=${realNodeName}`,
      `--node-ip=${network.nodeIp}`,
      "--node-labels=meshkit-chaos.project=meshkit-chaos",
    ],
  };
}

export function kubeProxySpec(): ProcessSpec {
  return { name: "kube-proxy", command: binary("kube-proxy"), args: [`--config=${kubeProxyConfigPath}`] };
}

/** The node's configuration files (rewritten on every up: cheap, and a changed recipe takes effect). */
export async function writeNodeConfig(sandboxImage: string): Promise<void> {
  await mkdir(statePaths.config, { recursive: true });
  await mkdir(hostDirs.cniConfDir, { recursive: true });
  await writeFile(containerdConfigPath, renderContainerdConfig(sandboxImage));
  await writeFile(join(hostDirs.cniConfDir, "10-mkc-pods.conflist"), renderCniConflist());
  await writeFile(kubeletConfigPath, renderKubeletConfig());
  await writeFile(kubeProxyConfigPath, renderKubeProxyConfig());
}

const ip = (...args: string[]) => execa("ip", args, { reject: false, all: true });

/** The host-only bridge carrying the node IP (no uplink, so nothing listens on external interfaces). */
export async function ensureNodeBridge(): Promise<void> {
  if ((await ip("link", "show", network.nodeBridge)).exitCode !== 0) {
    const added = await ip("link", "add", network.nodeBridge, "type", "bridge");
    if (added.exitCode !== 0) throw new Error(`could not create the bridge ${network.nodeBridge}: ${added.all}`);
  }
  const addrs = await ip("-o", "addr", "show", "dev", network.nodeBridge);
  if (!addrs.stdout.includes(`${network.nodeIp}/32`)) {
    const added = await ip("addr", "add", `${network.nodeIp}/32`, "dev", network.nodeBridge);
    if (added.exitCode !== 0) throw new Error(`could not give ${network.nodeBridge} the node IP ${network.nodeIp}: ${added.all}`);
  }
  await ip("link", "set", network.nodeBridge, "up");
}

/** Host settings `up` changes and `down` restores: their values before the first up. */
export const hostStateFile = join(stateDir, "host-state.json");
export interface HostState {
  readonly sysctls: Record<string, string>;
  /** Directories the cluster's processes create outside its own roots, if they did not exist before. */
  readonly createdDirs: string[];
}
/** kube-proxy turns route_localnet on for NodePorts on 127.0.0.1. */
export const touchedSysctls = ["net.ipv4.conf.all.route_localnet"] as const;
/** Directories kubelet and the CNI plugins use at fixed paths (whatever --root-dir says). */
export const fixedDirs = [hostDirs.cniState, "/var/lib/kubelet", hostDirs.podLogs, hostDirs.containerLogs] as const;

/** Records the host's values once, before the cluster changes them (kept until `down` restores them). */
export async function recordHostState(): Promise<void> {
  if (existsSync(hostStateFile)) return;
  const sysctls: Record<string, string> = {};
  for (const key of touchedSysctls) sysctls[key] = (await readFile(`/proc/sys/${key.replaceAll(".", "/")}`, "utf8")).trim();
  const state: HostState = { sysctls, createdDirs: fixedDirs.filter((d) => !existsSync(d)) };
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFile(hostStateFile, JSON.stringify(state));
}
