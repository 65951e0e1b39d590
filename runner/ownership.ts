// A fault never touches a container outside the environment: before anything is applied, every target
// node's container and its sidecar must carry the project's and the stack's labels.

import { execa } from "execa";
import { projectName } from "../components/config.ts";
import { containerName, labelKeys } from "../components/model/environment.ts";
import { agentName } from "../components/model/build.ts";

export class OwnershipError extends Error {
  override name = "OwnershipError";
}

/** Throws naming each container that is missing or lacks the labels; returns nothing when all are ours. */
export async function assertOwnedTargets(stack: string, nodes: readonly string[]): Promise<void> {
  const prefix = { prefix: `mkc-${stack}` } as Parameters<typeof containerName>[0];
  const names = nodes.flatMap((n) => [containerName(prefix, { name: n }), containerName(prefix, { name: agentName(n) })]);
  const problems = await Promise.all(
    names.map(async (name) => {
      const r = await execa("docker", ["inspect", "-f", "{{json .Config.Labels}}", name], { reject: false });
      if (r.exitCode !== 0) return `container ${name} does not exist (is environment ${stack} up? \`meshkit-chaos env up --stack ${stack}\`)`;
      const labels = JSON.parse(r.stdout || "{}") as Record<string, string> | null;
      if (labels?.[labelKeys.project] !== projectName || labels[labelKeys.stack] !== stack) {
        return `container ${name} does not carry the labels ${labelKeys.project}=${projectName} and ${labelKeys.stack}=${stack}: it is not part of environment ${stack}, so no fault is applied to it`;
      }
      return null;
    }),
  );
  const found = problems.filter((p): p is string => p !== null);
  if (found.length > 0) throw new OwnershipError(found.join("\n"));
}
