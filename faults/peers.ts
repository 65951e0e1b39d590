// The second group of a network fault: the peers given with `--set peers=…` (target-selector syntax,
// plus the registry by name), never overlapping the targets.

import type { PlanInput } from "./kind.ts";
import { registryHost, resolveTargets } from "./targets.ts";

/** Resolved peers, or null when none were given (the kind decides what that means). */
export function resolvePeers(selector: string | null, input: PlanInput<unknown>): string[] | null {
  if (selector === null) return null;
  return resolveTargets(selector, input.topology, `${String(input.seed)}/peers`, {
    what: "peer",
    allowRegistry: true,
    exclude: input.targets,
  });
}

/** Every environment member outside the targets: the other nodes and the registry. */
export const everyoneElse = (input: PlanInput<unknown>): string[] => [
  ...input.topology.nodes.filter((n) => !input.targets.includes(n)),
  registryHost(input.topology),
];
