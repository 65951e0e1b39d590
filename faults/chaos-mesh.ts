// Chaos Mesh custom resources as data: what a Kubernetes platform with Chaos Mesh installed would
// create for a planned fault. Field names follow the chaos-mesh.org/v1alpha1 CRDs
// (../shared/data/chaos-mesh/crd.yaml). Targets are already resolved at plan time, so every CR
// selects its pods by the project's labels with mode `all`: a dry-run and the run act on the same pods.

import { labelKeys } from "../components/model/environment.ts";
import type { FaultKind } from "../contract/meshkit.ts";
import { registryHost, type Topology } from "./targets.ts";

export const chaosMeshApiVersion = "chaos-mesh.org/v1alpha1";
export const chaosMeshKinds = ["NetworkChaos", "PodChaos", "StressChaos", "IOChaos", "DNSChaos", "TimeChaos", "HTTPChaos"] as const;
export type ChaosMeshKind = (typeof chaosMeshKinds)[number];

/** Name of the node's container in a pod (the agent runs beside it as a sidecar). */
export const nodeContainer = "node";
/** The node image's data volume mount (the disk-fill target); the same path on every platform. */
export const nodeDataDir = "/var/lib/meshkit";

export interface ChaosMeshResource {
  readonly apiVersion: typeof chaosMeshApiVersion;
  readonly kind: ChaosMeshKind;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: Readonly<Record<string, unknown>>;
}

/** How a kind maps to Chaos Mesh, for docs and `fault kinds`: the CR kind, or null and why. */
export interface ChaosMeshMapping {
  readonly kind: ChaosMeshKind | null;
  readonly note: string;
}

export const faultLabels = { faultId: "meshkit-chaos.fault-id", faultKind: "meshkit-chaos.fault-kind" } as const;

interface Expression {
  readonly key: string;
  readonly operator: "In" | "NotIn";
  readonly values: readonly string[];
}

/**
 * A pod selector for a set of environment members (node names and possibly the registry). Kubernetes
 * ANDs expressions and `NotIn` also matches pods without the key, which is how "these nodes and the
 * registry" is said with one selector (the registry carries no node label).
 */
export function membersSelector(members: readonly string[], topology: Topology, namespace: string): Record<string, unknown> {
  const registry = registryHost(topology);
  const nodes = members.filter((m) => m !== registry);
  const expressions: Expression[] = [];
  if (members.includes(registry)) {
    expressions.push({ key: labelKeys.role, operator: "In", values: nodes.length > 0 ? ["node", "registry"] : ["registry"] });
    const others = topology.nodes.filter((n) => !nodes.includes(n));
    if (nodes.length > 0 && others.length > 0) expressions.push({ key: labelKeys.node, operator: "NotIn", values: others });
  } else {
    expressions.push({ key: labelKeys.role, operator: "In", values: ["node"] });
    expressions.push({ key: labelKeys.node, operator: "In", values: nodes });
  }
  return { namespaces: [namespace], expressionSelectors: expressions };
}

export interface ResourceInput {
  readonly id: string;
  readonly kind: FaultKind;
  readonly namespace: string;
  readonly annotations?: Record<string, string>;
}

/** One CR; `spec` gets `mode: all` unless it sets a mode itself. */
export function chaosResource(
  input: ResourceInput,
  kind: ChaosMeshKind,
  spec: Record<string, unknown>,
  suffix?: string,
): ChaosMeshResource {
  return {
    apiVersion: chaosMeshApiVersion,
    kind,
    metadata: {
      name: suffix ? `${input.id}-${suffix}` : input.id,
      namespace: input.namespace,
      labels: { [faultLabels.faultId]: input.id, [faultLabels.faultKind]: input.kind },
      ...(input.annotations ? { annotations: input.annotations } : {}),
    },
    spec: { mode: "all", ...spec },
  };
}

/** Go duration as Chaos Mesh's `duration` fields take it. */
export const goDuration = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
