// What faults exist for an environment, seen from both sides — the agents (what the kernel holds) and
// the run stacks (what Pulumi's state holds) — and reverting them from either side.

import { AgentClient } from "../agent/client.ts";
import type { RevertedFault } from "../agent/protocol.ts";
import type { AgentAccess } from "./fault-run.ts";
import { RunStack, listRunStacks, runIdOf } from "./run-stack.ts";

export interface AgentHeldFault {
  readonly node: string;
  readonly id: string;
  readonly kind: string;
  readonly mechanism: string;
  readonly appliedAt: string;
  readonly leaseExpiresAt: string;
}

export interface StackHeldFault {
  readonly runStack: string;
  readonly id: string;
  readonly node: string;
  readonly kind: string;
}

export interface Inventory {
  readonly agents: readonly AgentHeldFault[];
  /** Agents that did not answer (their faults are unknown; their leases still revert them). */
  readonly unreachable: readonly { node: string; error: string }[];
  readonly runStacks: readonly StackHeldFault[];
  readonly mismatches: readonly string[];
}

const clients = (access: AgentAccess) => access.nodes.map((n) => ({ node: n.name, client: new AgentClient(n.agentUrl, access.agentToken, { timeoutMs: 5_000 }) }));

export async function inventory(envStack: string, access: AgentAccess): Promise<Inventory> {
  const agents: AgentHeldFault[] = [];
  const unreachable: { node: string; error: string }[] = [];
  await Promise.all(
    clients(access).map(async ({ node, client }) => {
      try {
        for (const f of (await client.list()).faults) {
          agents.push({ node, id: f.id, kind: f.kind, mechanism: f.mechanism, appliedAt: f.appliedAt, leaseExpiresAt: f.leaseExpiresAt });
        }
      } catch (error) {
        unreachable.push({ node, error: (error as Error).message });
      }
    }),
  );
  const runStacks: StackHeldFault[] = [];
  for (const name of await listRunStacks(envStack)) {
    const stack = await RunStack.open(envStack, runIdOf(envStack, name));
    for (const held of await stack.held()) runStacks.push({ runStack: name, id: held.faultId, node: held.node, kind: held.kind });
  }
  const key = (f: { id: string; node: string }) => `${f.id}@${f.node}`;
  const onAgents = new Set(agents.map(key));
  const inStacks = new Set(runStacks.map(key));
  const mismatches = [
    ...runStacks
      .filter((f) => !onAgents.has(key(f)) && !unreachable.some((u) => u.node === f.node))
      .map((f) => `${f.id} on ${f.node}: run stack ${f.runStack} holds it but the agent does not (its lease or a human reverted it); \`meshkit-chaos fault revert ${f.id}\` clears the state`),
    ...agents
      .filter((f) => !inStacks.has(key(f)))
      .map((f) => `${f.id} on ${f.node}: the agent holds it but no run stack does (its runner died?); its lease reverts it by ${f.leaseExpiresAt}, or \`meshkit-chaos fault revert ${f.id}\` now`),
  ];
  return { agents: agents.sort((a, b) => key(a).localeCompare(key(b))), unreachable, runStacks, mismatches };
}

export interface RevertOutcome {
  readonly reverted: readonly (Pick<RevertedFault, "id" | "nodeId" | "verified" | "revertMs" | "revertedAt"> & { evidence: readonly string[] })[];
  readonly runStacksDestroyed: readonly string[];
}

/**
 * Reverts faults straight at the agents (all at once, in parallel: the fast path of an abort), then
 * destroys the run stacks that held them so the state says what the kernel says (a run stack of
 * Chaos Mesh CRs deletes them from the cluster).
 */
export async function revertFaults(envStack: string, access: AgentAccess, which: { ids: readonly string[] } | "all"): Promise<RevertOutcome> {
  const wanted = (id: string) => which === "all" || which.ids.includes(id);
  const reverted = (
    await Promise.all(
      clients(access).map(async ({ client }) => {
        const held = (await client.list().catch(() => ({ faults: [] }))).faults.filter((f) => wanted(f.id));
        return Promise.all(held.map(async (f) => client.revert(f.id)));
      }),
    )
  )
    .flat()
    .map((r) => ({ id: r.id, nodeId: r.nodeId, verified: r.verified, revertMs: r.revertMs, revertedAt: r.revertedAt, evidence: r.evidence.lines }));
  const runStacksDestroyed: string[] = [];
  for (const name of await listRunStacks(envStack)) {
    const stack = await RunStack.open(envStack, runIdOf(envStack, name));
    const held = [...(await stack.held()), ...(await stack.heldChaosMesh())];
    if (which === "all" || held.some((h) => wanted(h.faultId))) {
      await stack.destroyAndRemove();
      runStacksDestroyed.push(name);
    }
  }
  return { reverted, runStacksDestroyed };
}
