// Where the local cluster (`meshkit-chaos kube up`) keeps its state, and the network facts other modules
// (the Kubernetes platform, tests) rely on. One place for each fact.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Per-checkout state: certificates, kubeconfigs, pidfiles, logs. Gitignored. */
export const stateDir = join(repoRoot, ".kube-local");
/** The admin kubeconfig `kube up` writes; its current context is `localContext`. */
export const localKubeconfig = join(stateDir, "admin.kubeconfig");
export const localContext = "meshkit-chaos";

export const network = {
  /** Host-only bridge (no uplink) carrying the node IP: this kernel has no dummy links. */
  nodeBridge: "mkc-kube0",
  nodeIp: "10.203.0.1",
  apiServerPort: 6443,
  /** The CNI bridge pods attach to. */
  cniBridge: "mkc-cni0",
  podCidr: "10.204.0.0/16",
  serviceCidr: "10.205.0.0/16",
  /** The ClusterIP of the `kubernetes` Service: the first address of the service CIDR. */
  kubernetesServiceIp: "10.205.0.1",
  nodePortRange: "30000-39999",
  /** NodePorts answer on loopback only. */
  nodePortAddresses: "127.0.0.0/8",
  /** CoreDNS runs as a host process on the node IP. */
  dnsIp: "10.203.0.1",
  clusterDomain: "cluster.local",
} as const;

export const apiServerUrl = `https://${network.nodeIp}:${network.apiServerPort}`;

/** The real node's name; simulated ones are `${kwokNodePrefix}<i>`. */
export const realNodeName = "mkc-node";
export const kwokNodePrefix = "mkc-kwok-";
export const kwokNodeLabel = { key: "type", value: "kwok" } as const;
export const kwokTaint = { key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" } as const;

/** Host directories owned by the real node (never Docker's): its containerd, kubelet, CNI state. */
export const hostDirs = {
  containerdRoot: "/var/lib/meshkit-chaos/containerd",
  containerdState: "/run/meshkit-chaos/containerd",
  containerdSocket: "/run/meshkit-chaos/containerd/containerd.sock",
  kubeletRoot: "/var/lib/meshkit-chaos/kubelet",
  /** host-local IPAM keeps its leases here; the bridge plugin's network name makes the subdirectory. */
  cniState: "/var/lib/cni",
  cniNetworkName: "mkc-pods",
  cniConfDir: join(stateDir, "cni", "net.d"),
  cniBinDir: "/usr/lib/cni",
  podLogs: "/var/log/pods",
  containerLogs: "/var/log/containers",
} as const;

/** Files under the state directory. */
export const statePaths = {
  pki: join(stateDir, "pki"),
  etcdData: join(stateDir, "etcd"),
  logs: join(stateDir, "logs"),
  run: join(stateDir, "run"),
  config: join(stateDir, "config"),
  tokenFile: join(stateDir, "pki", "tokens.csv"),
  controllerManagerKubeconfig: join(stateDir, "controller-manager.conf"),
  schedulerKubeconfig: join(stateDir, "scheduler.conf"),
  kubeletKubeconfig: join(stateDir, "kubelet.conf"),
  kubeadmAdminKubeconfig: join(stateDir, "admin.conf"),
} as const;

export const pidFile = (name: string): string => join(statePaths.run, `${name}.pid`);
export const logFile = (name: string): string => join(statePaths.logs, `${name}.log`);
