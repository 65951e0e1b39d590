// One fault for a while as Chaos Mesh custom resources (`fault apply --via chaos-mesh`): declared in its
// own run stack on the stack's cluster, held for the duration, then the run stack's destroy deletes
// them (the rollback). Verification is object lifecycle only: no Chaos Mesh controller runs on the
// local cluster, so "active" = every CR exists and reads back with the declared spec (the real CRD
// schema accepted it), "reverted" = none with the fault's id is left.

import { setTimeout as sleep } from "node:timers/promises";
import type { ChaosMeshResource } from "../../faults/chaos-mesh.ts";
import type { FaultPlan } from "../../faults/catalog.ts";
import type { RevertReport } from "../fault-run.ts";
import { RunStack } from "../run-stack.ts";
import { assertCrds, assertNamespace, faultObjects, objectRef, specDifferences, type ChaosMeshCluster } from "./cluster.ts";

/** Said with every result: what the verification can and cannot show here. */
export const verificationNote =
  "verified by object lifecycle only: the API server accepted each CR under the real Chaos Mesh CRD schema and reads it back; " +
  "no Chaos Mesh controller runs on this cluster, so nothing is injected into the pods";

export interface ChaosMeshActive {
  readonly id: string;
  readonly kind: string;
  readonly targets: readonly string[];
  readonly mechanism: "chaos-mesh";
  /** Step start → every CR read back from the API server, through the engine. */
  readonly applyMs: number;
  /** Per CR (`Kind/name`): what the API server holds. */
  readonly evidence: Readonly<Record<string, readonly string[]>>;
  readonly namespace: string;
  readonly runStack: string;
  readonly verification: string;
}

export interface ChaosMeshReverted extends RevertReport {
  /** CRs of the fault still in the cluster after the destroy (`Kind/name`). */
  readonly stillHeldBy: readonly string[];
  readonly verification: string;
}

/** The fault's CRs or why there are none (a usage error: the kind has no Chaos Mesh equivalent). */
export function chaosMeshResourcesOf(plan: FaultPlan, note: string): readonly ChaosMeshResource[] {
  if (!plan.chaosMesh || plan.chaosMesh.length === 0) {
    throw new ChaosMeshNotExpressible(`${plan.kind} cannot be applied --via chaos-mesh: ${note}; apply it --via agent`);
  }
  return plan.chaosMesh;
}

export class ChaosMeshNotExpressible extends Error {
  override name = "ChaosMeshNotExpressible";
}

export interface ChaosMeshRunOptions {
  readonly envStack: string;
  readonly cluster: ChaosMeshCluster;
  readonly plan: FaultPlan;
  readonly resources: readonly ChaosMeshResource[];
  readonly signal?: AbortSignal;
  readonly onActive?: (active: ChaosMeshActive) => void;
  readonly onOutput?: (line: string) => void;
}

const kindsOf = (resources: readonly ChaosMeshResource[]) => [...new Set(resources.map((r) => r.kind))];

/** Every CR exists with its declared spec: evidence per CR, or an error naming what is off. */
async function readBack(cluster: ChaosMeshCluster, faultId: string, resources: readonly ChaosMeshResource[]): Promise<Record<string, string[]>> {
  const found = await faultObjects(cluster, kindsOf(resources), faultId);
  const evidence: Record<string, string[]> = {};
  const problems: string[] = [];
  for (const r of resources) {
    const o = found.find((f) => f.kind === r.kind && f.name === r.metadata.name);
    if (!o) {
      problems.push(`${objectRef(r)} is not in namespace ${cluster.namespace}`);
      continue;
    }
    const differences = specDifferences(r.spec, o.spec);
    if (differences.length > 0) problems.push(`${objectRef(r)} reads back differently: ${differences.join("; ")}`);
    evidence[objectRef(r)] = [`exists in namespace ${o.namespace} (uid ${o.uid})`, differences.length === 0 ? "spec reads back as declared" : differences.join("; ")];
  }
  if (problems.length > 0) throw new Error(`the Chaos Mesh resources of ${faultId} are not as declared:\n  ${problems.join("\n  ")}`);
  return evidence;
}

/** The run stack holding these CRs, as one fault. */
const runStackFault = (plan: FaultPlan, cluster: ChaosMeshCluster, resources: readonly ChaosMeshResource[]) => ({
  id: plan.id,
  kind: plan.kind,
  targets: plan.targets,
  ttlSeconds: 0,
  agentRequests: [],
  chaosMesh: { kubeconfig: cluster.kubeconfig, ...(cluster.context ? { context: cluster.context } : {}), resources },
});

/**
 * `--dry-run`: `pulumi preview` of the run stack. The Kubernetes provider previews a create as a
 * server-side dry-run apply, so the API server judges the CRs against the real schemas; nothing is stored.
 */
export async function previewChaosMeshFault(options: Omit<ChaosMeshRunOptions, "signal" | "onActive">): Promise<string> {
  const { cluster, plan, resources } = options;
  await assertCrds(cluster, kindsOf(resources));
  await assertNamespace(cluster);
  const stack = await RunStack.open(options.envStack, `${plan.id}-dry`, { onOutput: options.onOutput });
  try {
    return await stack.preview([runStackFault(plan, cluster, resources)]);
  } finally {
    await stack.destroyAndRemove();
  }
}

export async function runChaosMeshFault(options: ChaosMeshRunOptions): Promise<{ active: ChaosMeshActive; reverted: ChaosMeshReverted }> {
  const { cluster, plan, resources } = options;
  await assertCrds(cluster, kindsOf(resources));
  await assertNamespace(cluster);
  const stack = await RunStack.open(options.envStack, plan.id, { onOutput: options.onOutput });
  const fault = runStackFault(plan, cluster, resources);
  const applyStart = performance.now();
  let active: ChaosMeshActive;
  try {
    await stack.set([fault]);
    const evidence = await readBack(cluster, plan.id, resources);
    active = {
      id: plan.id,
      kind: plan.kind,
      targets: plan.targets,
      mechanism: "chaos-mesh",
      applyMs: Math.round(performance.now() - applyStart),
      evidence,
      namespace: cluster.namespace,
      runStack: stack.name,
      verification: verificationNote,
    };
  } catch (error) {
    await stack.destroyAndRemove().catch(() => undefined);
    throw error;
  }
  options.onActive?.(active);

  let reason: RevertReport["reason"] = "duration";
  try {
    await sleep(plan.durationMs, undefined, { signal: options.signal });
  } catch {
    reason = "aborted";
  }
  const revertStart = performance.now();
  await stack.destroyAndRemove();
  const revertMs = Math.round(performance.now() - revertStart);
  const left = await faultObjects(cluster, kindsOf(resources), plan.id);
  const stillHeldBy = left.map((o) => `${o.kind}/${o.name}`);
  return {
    active,
    reverted: { id: plan.id, reverted: true, reason, revertMs, verified: stillHeldBy.length === 0, stillHeldBy, verification: verificationNote },
  };
}
