// `fault apply --via chaos-mesh` and the Chaos Mesh part of `fault list`: the fault as Chaos Mesh CRs
// in the run stack on a Kubernetes stack's cluster. Parses and prints; the work is in runner/chaos-mesh/.
import type { Command } from "commander";
import { catalog, parseFaultRequest, planFault, type FaultRequest } from "../faults/catalog.ts";
import { FaultInputError } from "../faults/errors.ts";
import { defaultLeadershipScope } from "../contract/meshkit.ts";
import { nodeName } from "../components/model/build.ts";
import { printJson, progress } from "./print.ts";
import { interruption } from "./signals.ts";

export interface ChaosMeshApplyFlags {
  target?: string;
  set: Record<string, string>;
  duration?: string;
  seed: string;
  stack: string;
  json?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
}

const engine = async () => ({
  ...(await import("../runner/chaos-mesh/cluster.ts")),
  ...(await import("../runner/chaos-mesh/fault-run.ts")),
  ...(await import("../runner/chaos-mesh/inventory.ts")),
  ...(await import("../runner/members.ts")),
  ...(await import("../runner/run-stack.ts")),
  ...(await import("../runner/topology.ts")),
});

const usage = (command: Command, message: string): never => command.error(`error: ${message}`, { exitCode: 2, code: "meshkit.usage" });

export async function applyViaChaosMesh(command: Command, kind: string, flags: ChaosMeshApplyFlags): Promise<void> {
  const e = await engine();
  let request: FaultRequest;
  try {
    request = parseFaultRequest({ kind, targets: flags.target ?? null, set: flags.set, duration: flags.duration });
  } catch (error) {
    if (error instanceof FaultInputError) usage(command, error.message);
    throw error;
  }
  const mapping = catalog[request.kind].chaosMesh;
  if (mapping.kind === null) usage(command, `${request.kind} cannot be applied --via chaos-mesh: ${mapping.note}; apply it --via agent`);
  // A Docker stack is refused from its settings file alone, before any engine or cluster is asked.
  try {
    e.chaosMeshCluster(flags.stack);
  } catch (error) {
    if (error instanceof e.ChaosMeshUnavailable) usage(command, error.message);
    throw error;
  }
  const environment = await e.environmentIfUp(flags.stack);
  const cluster = e.chaosMeshCluster(flags.stack, environment?.raw);
  let topology;
  if (environment) topology = await e.readTopology(environment.outputs.nodes);
  else {
    const n = e.configuredNodeCount(flags.stack);
    topology = { nodes: Array.from({ length: n }, (_, i) => nodeName(i)), leaders: { [defaultLeadershipScope]: null } };
    progress(`environment ${flags.stack} is not up: targets resolve against its ${n} configured nodes (${topology.nodes.join(", ")}); role:leader needs it up`);
  }
  let plan;
  try {
    plan = planFault(request, topology, flags.seed, { namespace: cluster.namespace });
  } catch (error) {
    if (error instanceof FaultInputError) usage(command, error.message);
    throw error;
  }
  const resources = e.chaosMeshResourcesOf(plan, mapping.note);
  progress(`${plan.description}`);
  progress(`via Chaos Mesh: ${resources.map((r) => `${r.kind}/${r.metadata.name}`).join(", ")} in namespace ${cluster.namespace} (${mapping.note})`);
  const onOutput = flags.verbose ? progress : undefined;
  if (flags.dryRun) {
    progress((await e.previewChaosMeshFault({ envStack: flags.stack, cluster, plan, resources, onOutput })).trim());
    if (flags.json) printJson({ dryRun: true, id: plan.id, kind: plan.kind, targets: plan.targets, description: plan.description, namespace: cluster.namespace, chaosMesh: resources });
    return;
  }
  const { signal, dispose } = interruption();
  try {
    const result = await e.runChaosMeshFault({
      envStack: flags.stack,
      cluster,
      plan,
      resources,
      signal,
      onOutput,
      onActive: (a) => {
        progress(`${a.id}: active as ${Object.keys(a.evidence).join(", ")} in ${a.namespace} in ${a.applyMs} ms; holding for ${plan.duration}`);
        progress(`note: ${a.verification}`);
        if (flags.json) printJson(a);
      },
    });
    const r = result.reverted;
    progress(`${r.id}: reverted (${r.reason}) in ${r.revertMs} ms; ${r.verified ? "no CR of it is left" : `still in the cluster: ${r.stillHeldBy.join(", ")}`}`);
    if (flags.json) printJson(r);
    if (!r.verified) process.exitCode = 1;
  } finally {
    dispose();
  }
}

/**
 * The agents to ask: the environment's, or none on a Kubernetes stack whose environment is not up
 * (its Chaos Mesh CRs live in the cluster all the same). A Docker stack that is not up fails as before.
 */
export async function agentAccess(stack: string, readEnvironment: (stack: string) => Promise<{ nodes: { name: string; agentUrl: string }[]; agentToken: string }>) {
  const e = await engine();
  if (e.placementOf(stack).platform === "kubernetes" && (await e.environmentIfUp(stack)) === null) return { nodes: [], agentToken: "" };
  return readEnvironment(stack);
}

/** The Chaos Mesh section of `fault list` on a Kubernetes stack; null on a Docker stack. */
export async function chaosMeshListing(stack: string) {
  const e = await engine();
  let cluster;
  try {
    cluster = e.chaosMeshCluster(stack, (await e.environmentIfUp(stack))?.raw);
  } catch (error) {
    if (error instanceof e.ChaosMeshUnavailable) return null;
    throw error;
  }
  try {
    return await e.chaosMeshInventory(stack, cluster);
  } catch (error) {
    return { namespace: cluster.namespace, cluster: [], runStacks: [], mismatches: [], error: (error as Error).message };
  }
}

export function printChaosMeshListing(found: Awaited<ReturnType<typeof chaosMeshListing>>): void {
  if (!found) return;
  if ("error" in found) progress(`chaos mesh: cannot read namespace ${found.namespace}: ${found.error}`);
  if (found.cluster.length === 0) progress(`chaos mesh: no CR with a fault id in namespace ${found.namespace}`);
  for (const c of found.cluster) progress(`chaos mesh ${found.namespace}: ${c.object} (${c.id}, ${c.kind})`);
  for (const r of found.runStacks) progress(`run stack ${r.runStack}: ${r.object} (${r.id})`);
  for (const m of found.mismatches) progress(`mismatch: ${m}`);
}
