// Where a stack's Chaos Mesh resources go: the cluster (kubeconfig, context) and namespace of a
// `platform: kubernetes` stack, and the object-level reads that verify them (exists / is gone). No
// Chaos Mesh controller runs on the local cluster (its images cannot be pulled), so "active" here means
// the API server accepted the object under the real CRD schema, nothing more.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { environmentSettings, projectName } from "../../components/config.ts";
import type { ChaosMeshResource } from "../../faults/chaos-mesh.ts";
import { faultLabels } from "../../faults/chaos-mesh.ts";
import { projectRoot } from "../../lifecycle/environment.ts";
import { parseEnvironmentOutputs, type EnvironmentOutputs } from "../../lifecycle/outputs.ts";
import { kubectl, placementOf, type Placement } from "../members.ts";

/** The stack cannot take Chaos Mesh resources (a Docker stack): a usage error, nothing was done. */
export class ChaosMeshUnavailable extends Error {
  override name = "ChaosMeshUnavailable";
}

/** The cluster and namespace of a Kubernetes stack (runner/members.ts says where it runs). */
export type ChaosMeshCluster = Extract<Placement, { platform: "kubernetes" }>;

/**
 * The cluster of a Kubernetes stack: its settings file, with the environment's `platform`/`namespace`
 * outputs winning when it is up. Refuses a Docker stack: Chaos Mesh resources mean nothing there.
 */
export function chaosMeshCluster(stack: string, outputs?: { platform?: unknown; namespace?: unknown }): ChaosMeshCluster {
  const place = placementOf(stack, outputs);
  if (place.platform !== "kubernetes") {
    throw new ChaosMeshUnavailable(
      `stack ${stack} runs on docker (stacks/Pulumi.${stack}.yaml sets platform: docker, or there is no such file and docker is the default): ` +
        `Chaos Mesh resources need a Kubernetes stack. Use --via agent here, or a stack with platform: kubernetes (--stack kube)`,
    );
  }
  return place;
}

/** `networkchaos.chaos-mesh.org`: the resource name kubectl takes for a CR kind. */
export const resourceOf = (kind: string): string => `${kind.toLowerCase()}.chaos-mesh.org`;

/** Fails with what to do when the cluster does not answer or lacks the CRDs of these kinds. */
export async function assertCrds(cluster: ChaosMeshCluster, kinds: readonly string[]): Promise<void> {
  const wanted = [...new Set(kinds.map(resourceOf))];
  const r = await kubectl(cluster, ["get", "crd", ...wanted, "-o", "name"]);
  if (r.exitCode === 0) return;
  const where = `kubeconfig ${cluster.kubeconfig}${cluster.context ? `, context ${cluster.context}` : ""}`;
  if (/NotFound/.test(r.stderr)) {
    throw new Error(
      `the cluster (${where}) lacks the Chaos Mesh CRDs ${wanted.join(", ")}: install them with ` +
        `\`kubectl --kubeconfig ${cluster.kubeconfig} apply --server-side -f <chaos-mesh>/crd.yaml\` (docs/faults.md, "Chaos Mesh")`,
    );
  }
  throw new Error(`the cluster (${where}) does not answer: ${r.stderr.trim().split("\n")[0]}; for the local cluster run \`meshkit-chaos kube up\``);
}

/** The namespace must exist (the environment creates it): a CR into a missing one would fail mid-update. */
export async function assertNamespace(cluster: ChaosMeshCluster): Promise<void> {
  const r = await kubectl(cluster, ["get", "namespace", cluster.namespace, "-o", "name"]);
  if (r.exitCode === 0) return;
  if (/NotFound/.test(r.stderr)) {
    throw new Error(`namespace ${cluster.namespace} does not exist in the cluster: bring the environment up (\`meshkit-chaos env up --stack ${cluster.stack}\`) or create it`);
  }
  throw new Error(`kubectl get namespace ${cluster.namespace} failed: ${r.stderr.trim()}`);
}

export interface ClusterObject {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly faultId: string;
  readonly faultKind: string;
  readonly spec: Record<string, unknown>;
}

interface ListedItem {
  kind: string;
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/**
 * Chaos Mesh objects in the namespace that carry a fault id (of one fault, or of any), read from the
 * API server: the cluster side of `fault list`, and the evidence of active / reverted.
 */
export async function faultObjects(cluster: ChaosMeshCluster, kinds: readonly string[], faultId?: string): Promise<ClusterObject[]> {
  const selector = faultId ? `${faultLabels.faultId}=${faultId}` : faultLabels.faultId;
  const r = await kubectl(cluster, ["get", [...new Set(kinds.map(resourceOf))].join(","), "-l", selector, "-o", "json"]);
  if (r.exitCode !== 0) throw new Error(`kubectl get in namespace ${cluster.namespace} failed: ${r.stderr.trim()}`);
  const items = (JSON.parse(r.stdout) as { items: ListedItem[] }).items;
  return items.map((i) => ({
    kind: i.kind,
    name: i.metadata.name,
    namespace: i.metadata.namespace,
    uid: i.metadata.uid,
    faultId: i.metadata.labels?.[faultLabels.faultId] ?? "",
    faultKind: i.metadata.labels?.[faultLabels.faultKind] ?? "",
    spec: i.spec ?? {},
  }));
}

/** What of a declared spec the API server does not hold as declared (empty = it reads back the same). */
export function specDifferences(declared: unknown, stored: unknown, path = "spec"): string[] {
  if (Array.isArray(declared)) {
    if (!Array.isArray(stored) || stored.length !== declared.length) return [`${path}: declared ${JSON.stringify(declared)}, stored ${JSON.stringify(stored)}`];
    return declared.flatMap((d, i) => specDifferences(d, stored[i], `${path}[${i}]`));
  }
  if (declared !== null && typeof declared === "object") {
    if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return [`${path}: declared an object, stored ${JSON.stringify(stored)}`];
    return Object.entries(declared).flatMap(([k, v]) => specDifferences(v, (stored as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return declared === stored ? [] : [`${path}: declared ${JSON.stringify(declared)}, stored ${JSON.stringify(stored)}`];
}

/** `NetworkChaos/pl-1a2b3c`: how a CR is named in output. */
export const objectRef = (r: Pick<ChaosMeshResource, "kind" | "metadata">): string => `${r.kind}/${r.metadata.name}`;

/** The node count a stack is configured with (`meshkit-chaos:nodes` in its settings file; default 3). */
export function configuredNodeCount(stack: string): number {
  const file = join(projectRoot, "stacks", `Pulumi.${stack}.yaml`);
  const config = existsSync(file) ? ((parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {}) : {};
  const raw = config[`${projectName}:nodes`];
  return environmentSettings.shape.nodes.parse(raw === undefined ? undefined : Number(raw));
}

/** The environment's outputs when its stack is up (raw, for `platform`/`namespace`, and parsed); else null. */
export async function environmentIfUp(stack: string): Promise<{ raw: Record<string, unknown>; outputs: EnvironmentOutputs } | null> {
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
  let selected;
  try {
    selected = await LocalWorkspace.selectStack({ stackName: stack, workDir: projectRoot });
  } catch (error) {
    if (/no stack named|not found/i.test((error as Error).message)) return null;
    throw error;
  }
  const raw = Object.fromEntries(Object.entries(await selected.outputs()).map(([k, v]) => [k, v.value as unknown]));
  if (Object.keys(raw).length === 0) return null;
  return { raw, outputs: parseEnvironmentOutputs(raw, stack) };
}
