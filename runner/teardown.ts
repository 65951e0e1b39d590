// Before an environment goes (env down, reset, purge): its faults first. Every fault is reverted at
// the agents and every run stack of the environment destroyed, so no rule, qdisc, hold file or
// joiner container outlives the environment and no run stack is left pointing at nothing.

import { readEnvironment } from "../lifecycle/environment.ts";
import { revertFaults } from "./fault-inventory.ts";
import { listRunStacks, RunStack, runIdOf } from "./run-stack.ts";

export async function rollBackEnvironmentFaults(envStack: string, log: (line: string) => void): Promise<void> {
  let access;
  try {
    access = await readEnvironment(envStack);
  } catch {
    access = undefined; // not up: no agent can hold a fault, but run stacks may still exist
  }
  if (access) {
    const outcome = await revertFaults(envStack, access, "all");
    for (const r of outcome.reverted) log(`fault ${r.id} on ${r.nodeId}: reverted${r.verified ? "" : " (NOT verified)"}`);
    for (const s of outcome.runStacksDestroyed) log(`run stack ${s}: destroyed`);
    return;
  }
  for (const name of await listRunStacks(envStack)) {
    await (await RunStack.open(envStack, runIdOf(envStack, name))).destroyAndRemove();
    log(`run stack ${name}: destroyed`);
  }
}
