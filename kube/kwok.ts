// Simulated nodes for scale: kwok fakes the kubelet of every Node labelled type=kwok (heartbeats, pods
// going Running), so thousands of pods cost API objects, not containers. Their taint keeps pods off
// them unless a pod tolerates it.
import type { ProcessSpec } from "./processes.ts";
import { binary, kwokStageFiles } from "./toolchain.ts";
import { kwokNodeLabel, kwokNodePrefix, kwokTaint } from "./paths.ts";
import { labelKeys } from "../components/model/environment.ts";
import { projectName } from "../components/config.ts";

/** Fake pod addresses: apart from the real pod CIDR so no one mistakes them for reachable pods. */
export const kwokPodCidr = "10.206.0.0/16";
export const kwokServerAddress = "127.0.0.1:10247";

export const kwokNodeName = (i: number): string => `${kwokNodePrefix}${i}`;

export function renderKwokNode(i: number): Record<string, unknown> {
  const name = kwokNodeName(i);
  const resources = { cpu: "32", memory: "256Gi", pods: "1000", "ephemeral-storage": "1Ti" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        [kwokNodeLabel.key]: kwokNodeLabel.value,
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node-role.kubernetes.io/agent": "",
        [labelKeys.project]: projectName,
      },
      annotations: { [kwokTaint.key]: kwokTaint.value, "node.alpha.kubernetes.io/ttl": "0" },
    },
    spec: { taints: [{ ...kwokTaint }] },
    // Nodes take their status on create; kwok's node stages then keep them Ready.
    status: {
      allocatable: resources,
      capacity: resources,
      phase: "Running",
    },
  };
}

export function renderKwokNodes(count: number): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: Array.from({ length: count }, (_, i) => renderKwokNode(i)) });
}

export function kwokSpec(kubeconfig: string): ProcessSpec {
  const stageFiles = kwokStageFiles();
  return {
    name: "kwok",
    command: binary("kwok"),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--manage-nodes-with-label-selector=${kwokNodeLabel.key}=${kwokNodeLabel.value}`,
      `--cidr=${kwokPodCidr}`,
      `--server-address=${kwokServerAddress}`,
      ...stageFiles.map((f) => `--config=${f}`),
    ],
  };
}
