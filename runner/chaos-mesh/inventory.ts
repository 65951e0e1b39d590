// The Chaos Mesh side of `fault list`: the CRs the run stacks hold (Pulumi's state) and the CRs with a
// fault id in the stack's namespace (the API server), and any mismatch between them.

import { chaosMeshKinds } from "../../faults/chaos-mesh.ts";
import { RunStack, listRunStacks, runIdOf } from "../run-stack.ts";
import { faultObjects, type ChaosMeshCluster } from "./cluster.ts";

export interface ChaosMeshInventory {
  readonly namespace: string;
  /** CRs in the cluster that carry a fault id. */
  readonly cluster: readonly { readonly id: string; readonly kind: string; readonly object: string }[];
  /** CRs the run stacks declare. */
  readonly runStacks: readonly { readonly runStack: string; readonly id: string; readonly kind: string; readonly object: string }[];
  readonly mismatches: readonly string[];
}

export async function chaosMeshInventory(envStack: string, cluster: ChaosMeshCluster): Promise<ChaosMeshInventory> {
  const inCluster = (await faultObjects(cluster, chaosMeshKinds)).map((o) => ({ id: o.faultId, kind: o.faultKind, object: `${o.kind}/${o.name}` }));
  const runStacks: { runStack: string; id: string; kind: string; object: string }[] = [];
  for (const name of await listRunStacks(envStack)) {
    const stack = await RunStack.open(envStack, runIdOf(envStack, name));
    for (const held of await stack.heldChaosMesh()) {
      if (held.namespace === cluster.namespace) runStacks.push({ runStack: name, id: held.faultId, kind: held.kind, object: `${held.crKind}/${held.name}` });
    }
  }
  const inStacks = new Set(runStacks.map((r) => r.object));
  const seen = new Set(inCluster.map((c) => c.object));
  const mismatches = [
    ...runStacks
      .filter((r) => !seen.has(r.object))
      .map((r) => `${r.object} (${r.id}): run stack ${r.runStack} holds it but namespace ${cluster.namespace} does not (deleted by hand?); \`meshkit-chaos fault revert ${r.id}\` clears the state`),
    ...inCluster
      .filter((c) => !inStacks.has(c.object))
      .map((c) => `${c.object} (${c.id}): in namespace ${cluster.namespace} but no run stack holds it (its runner died, or it was created outside meshkit-chaos); delete it with kubectl if it is yours`),
  ];
  return { namespace: cluster.namespace, cluster: inCluster, runStacks, mismatches };
}
