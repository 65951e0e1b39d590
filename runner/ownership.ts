// A fault never touches a container outside the environment: before anything is applied, every target
// node's container and its sidecar must carry the project's and the stack's labels — Docker containers
// on the docker platform, the node pods (with their `node` and `agent` containers) on Kubernetes.

import { execa } from "execa";
import { projectName } from "../components/config.ts";
import { containerName, labelKeys } from "../components/model/environment.ts";
import { agentName } from "../components/model/build.ts";
import { nodeContainer } from "../faults/chaos-mesh.ts";
import { agentContainer, getPods, placementOf, platformRefusals, type Placement } from "./members.ts";

export class OwnershipError extends Error {
  override name = "OwnershipError";
}

const ours = (labels: Readonly<Record<string, string>> | null, stack: string) =>
  labels?.[labelKeys.project] === projectName && labels[labelKeys.stack] === stack;

async function dockerProblems(stack: string, nodes: readonly string[]): Promise<string[]> {
  const prefix = { prefix: `mkc-${stack}` } as Parameters<typeof containerName>[0];
  const names = nodes.flatMap((n) => [containerName(prefix, { name: n }), containerName(prefix, { name: agentName(n) })]);
  const problems = await Promise.all(
    names.map(async (name) => {
      const r = await execa("docker", ["inspect", "-f", "{{json .Config.Labels}}", name], { reject: false });
      if (r.exitCode !== 0) return `container ${name} does not exist (is environment ${stack} up? \`meshkit-chaos env up --stack ${stack}\`)`;
      if (!ours(JSON.parse(r.stdout || "{}") as Record<string, string> | null, stack)) {
        return `container ${name} does not carry the labels ${labelKeys.project}=${projectName} and ${labelKeys.stack}=${stack}: it is not part of environment ${stack}, so no fault is applied to it`;
      }
      return null;
    }),
  );
  return problems.filter((p): p is string => p !== null);
}

async function kubernetesProblems(p: Extract<Placement, { platform: "kubernetes" }>, nodes: readonly string[]): Promise<string[]> {
  const pods = await getPods(p, nodes);
  return nodes.flatMap((node) => {
    const pod = pods.find((x) => x.name === node);
    if (!pod) return [`pod ${node} does not exist in namespace ${p.namespace} (is environment ${p.stack} up? \`meshkit-chaos env up --stack ${p.stack}\`)`];
    if (!ours(pod.labels, p.stack)) {
      return [`pod ${node} in namespace ${p.namespace} does not carry the labels ${labelKeys.project}=${projectName} and ${labelKeys.stack}=${p.stack}: it is not part of environment ${p.stack}, so no fault is applied to it`];
    }
    const missing = [nodeContainer, agentContainer].filter((c) => !pod.containers.some((x) => x.name === c));
    return missing.length > 0 ? [`pod ${node} in namespace ${p.namespace} has no ${missing.join(" or ")} container: it is not a node of environment ${p.stack}`] : [];
  });
}

/** Throws naming each container or pod that is missing or lacks the labels; returns nothing when all are ours. */
export async function assertOwnedTargets(stack: string, nodes: readonly string[], outputs?: object): Promise<void> {
  const place = placementOf(stack, outputs);
  const found = place.platform === "docker" ? await dockerProblems(stack, nodes) : await kubernetesProblems(place, nodes);
  if (found.length > 0) throw new OwnershipError(found.join("\n"));
}

/**
 * The gate before a fault is applied: its kind runs on the environment's platform and every target is
 * ours. Both refusals are OwnershipErrors (input refused, nothing applied).
 */
export async function assertApplicable(stack: string, plan: { kind: string; agentRequests: readonly { node: string }[] }, outputs?: object): Promise<void> {
  const refusals = platformRefusals(placementOf(stack, outputs), [plan.kind]);
  if (refusals.length > 0) throw new OwnershipError(refusals.join("\n"));
  await assertOwnedTargets(stack, plan.agentRequests.map((r) => r.node), outputs);
}
