// What `kube status` reports and what `up` waits for: processes, API readiness, nodes, DNS.
import { existsSync } from "node:fs";
import { dnsAnswers } from "./dns.ts";
import { kubectl } from "./kubectl.ts";
import { apiServerUrl, kwokNodeLabel, localContext, localKubeconfig, realNodeName } from "./paths.ts";
import { runningPid } from "./processes.ts";

/** Every process of the cluster, in start order (kwok only with simulated nodes). */
export const processNames = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "containerd",
  "kubelet",
  "kube-proxy",
  "coredns",
  "kwok",
] as const;
export type ProcessName = (typeof processNames)[number];

export interface NodeStatus {
  readonly name: string;
  readonly ready: boolean;
  readonly simulated: boolean;
}

export interface ClusterStatus {
  /** Every process runs, the API server is ready, the real node is Ready and DNS answers. */
  readonly running: boolean;
  readonly apiServer: string;
  readonly apiServerReady: boolean;
  readonly kubeconfig: string;
  readonly context: string;
  readonly dns: boolean;
  readonly nodes: readonly NodeStatus[];
  /** pid per running process. */
  readonly pids: Partial<Record<ProcessName, number>>;
}

export async function pids(): Promise<Partial<Record<ProcessName, number>>> {
  const found: Partial<Record<ProcessName, number>> = {};
  for (const name of processNames) {
    const pid = await runningPid(name);
    if (pid) found[name] = pid;
  }
  return found;
}

export async function apiServerReady(): Promise<boolean> {
  if (!existsSync(localKubeconfig)) return false;
  const result = await kubectl(["get", "--raw", "/readyz"], { timeoutMs: 15_000 });
  return result.ok && result.stdout.trim() === "ok";
}

interface NodeList {
  items: { metadata: { name: string; labels?: Record<string, string> }; status?: { conditions?: { type: string; status: string }[] } }[];
}

export async function nodes(): Promise<NodeStatus[]> {
  const result = await kubectl(["get", "nodes", "-o", "json"]);
  if (!result.ok) return [];
  const list = JSON.parse(result.stdout) as NodeList;
  return list.items.map((n) => ({
    name: n.metadata.name,
    ready: n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    simulated: n.metadata.labels?.[kwokNodeLabel.key] === kwokNodeLabel.value,
  }));
}

export async function clusterStatus(): Promise<ClusterStatus> {
  const running = await pids();
  const ready = running["kube-apiserver"] !== undefined && (await apiServerReady());
  const nodeList = ready ? await nodes() : [];
  const dns = running.coredns !== undefined && (await dnsAnswers());
  const core = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "containerd", "kubelet", "kube-proxy", "coredns"] as const;
  const realReady = nodeList.some((n) => n.name === realNodeName && n.ready);
  return {
    running: core.every((name) => running[name] !== undefined) && ready && realReady && dns,
    apiServer: apiServerUrl,
    apiServerReady: ready,
    kubeconfig: localKubeconfig,
    context: localContext,
    dns,
    nodes: nodeList,
    pids: running,
  };
}
