// One fault for a while: what `meshkit-chaos fault apply` does. The fault is declared in its own run
// stack (so the engine's destroy is the rollback), its leases are renewed straight at the agents while
// it runs (so a killed CLI leaves nothing behind once the lease runs out), and it ends with the run
// stack's destroy — at the end of the duration, on abort (SIGINT/SIGTERM), or when a lease is lost.

import { setTimeout as sleep } from "node:timers/promises";
import { AgentClient, type AgentClientOptions } from "../agent/client.ts";
import type { AppliedFault } from "../agent/protocol.ts";
import type { FaultPlan } from "../faults/catalog.ts";
import { RunStack, type RunStackFault } from "./run-stack.ts";

export interface AgentAccess {
  readonly nodes: readonly { readonly name: string; readonly agentUrl: string }[];
  readonly agentToken: string;
}

export interface ActiveReport {
  readonly id: string;
  readonly kind: string;
  readonly targets: readonly string[];
  readonly mechanism: string;
  /** Step start → verified active on every agent, through the engine. */
  readonly applyMs: number;
  readonly agents: readonly Pick<AppliedFault, "nodeId" | "mechanism" | "applyMs" | "evidence" | "leaseExpiresAt">[];
  readonly runStack: string;
}

export interface RevertReport {
  readonly id: string;
  readonly reverted: boolean;
  /** Why the fault ended: its duration ran out, it was aborted, or an agent no longer held it. */
  readonly reason: "duration" | "aborted" | "lease-lost";
  /** Step start → verified reverted on every agent, through the engine. */
  readonly revertMs: number;
  /** Every agent was asked afterwards and none holds the fault any more. */
  readonly verified: boolean;
  readonly stillHeldBy: readonly string[];
}

export interface FaultRunOptions {
  readonly envStack: string;
  readonly access: AgentAccess;
  readonly fault: Omit<RunStackFault, "ttlSeconds">;
  readonly durationMs: number;
  /** Lease of each agent's fault; renewed every third of it. */
  readonly leaseSeconds?: number;
  readonly signal?: AbortSignal;
  readonly onActive?: (report: ActiveReport) => void;
  readonly onOutput?: (line: string) => void;
}

/** A planned fault as the run stack declares it (the lease is the caller's choice). */
export const runStackFault = (plan: FaultPlan, leaseSeconds = 10): Omit<RunStackFault, "ttlSeconds"> => ({
  id: plan.id,
  kind: plan.kind,
  targets: plan.targets,
  agentRequests: plan.agentRequests.map((r) => ({ node: r.node, params: { ...r.params } })),
  ...(plan.surge ? { surge: { count: plan.surge.count, lifetimeSeconds: Math.ceil(plan.durationMs / 1000) + leaseSeconds } } : {}),
});

/** One agent client per node, by node name. */
export const clientsFor = (access: AgentAccess, nodes: readonly string[], options: AgentClientOptions = {}): Map<string, AgentClient> =>
  new Map(
    nodes.map((name) => {
      const node = access.nodes.find((n) => n.name === name);
      if (!node) throw new Error(`node ${name} is not in the environment (nodes: ${access.nodes.map((n) => n.name).join(", ")})`);
      return [name, new AgentClient(node.agentUrl, access.agentToken, options)];
    }),
  );

/** Which agents still hold the fault; an agent that does not answer counts as holding it (not verified). */
export async function holders(clients: ReadonlyMap<string, AgentClient>, faultId: string): Promise<string[]> {
  const held = await Promise.all(
    [...clients].map(async ([name, client]) => {
      const list = await client.list().catch(() => null);
      return list === null || list.faults.some((f) => f.id === faultId) ? name : null;
    }),
  );
  return held.filter((n): n is string => n !== null);
}

export async function runFault(options: FaultRunOptions): Promise<{ active: ActiveReport; reverted: RevertReport }> {
  const leaseSeconds = options.leaseSeconds ?? 10;
  const fault: RunStackFault = { ...options.fault, ttlSeconds: leaseSeconds };
  const nodes = fault.agentRequests.map((r) => r.node);
  const clients = clientsFor(options.access, nodes);
  const stack = await RunStack.open(options.envStack, fault.id, { onOutput: options.onOutput });

  // Leases are kept from before the engine starts: an update can take longer than a short lease
  // after the agent applied the fault (checkpoint writes, plugin shutdown), and the fault must not
  // lapse in that gap.
  const keeper = new LeaseKeeper(clients, fault.id, leaseSeconds);
  let active: ActiveReport;
  const applyStart = performance.now();
  try {
    await stack.set([fault]);
    const applyMs = performance.now() - applyStart;
    const applied = await Promise.all(
      [...clients.values()].map(async (c) => (await c.list()).faults.find((f) => f.id === fault.id)),
    );
    const agents = applied.filter((a): a is AppliedFault => a !== undefined);
    if (agents.length < clients.size) keeper.lose(); // an agent no longer holds what it applied
    active = {
      id: fault.id,
      kind: fault.kind,
      targets: fault.targets,
      mechanism: fault.surge ? "run-stack containers" : [...new Set(agents.map((a) => a.mechanism))].join(","),
      applyMs: Math.round(applyMs),
      agents: agents.map(({ nodeId, mechanism, applyMs: ms, evidence, leaseExpiresAt }) => ({ nodeId, mechanism, applyMs: ms, evidence, leaseExpiresAt })),
      runStack: stack.name,
    };
  } catch (error) {
    // Part of the fault may be applied (one agent said no): roll back what is there, then report.
    keeper.stop();
    await stack.destroyAndRemove().catch(() => undefined);
    throw error;
  }
  options.onActive?.(active);

  const reason = await keeper.holdFor(options.durationMs, options.signal);
  const revertStart = performance.now();
  await stack.destroyAndRemove();
  const revertMs = Math.round(performance.now() - revertStart);
  const stillHeldBy = await holders(clients, fault.id);
  return {
    active,
    reverted: { id: fault.id, reverted: true, reason, revertMs, verified: stillHeldBy.length === 0, stillHeldBy },
  };
}

/**
 * Renews the fault's lease on every agent every third of the lease (at least every second). Before an
 * agent has the fault a 404 only means "not applied yet"; once it had it, a failed renewal means the
 * fault is lost there (its lease ran out, the agent restarted and reverted it from its journal).
 */
export class LeaseKeeper {
  readonly #timer: NodeJS.Timeout;
  readonly #seen = new Set<string>();
  #lost = false;
  #inFlight = false;

  constructor(clients: ReadonlyMap<string, AgentClient>, faultId: string, leaseSeconds: number) {
    const renewAll = async () => {
      if (this.#inFlight) return;
      this.#inFlight = true;
      await Promise.all(
        [...clients].map(async ([node, client]) => {
          try {
            await client.renew(faultId, leaseSeconds);
            this.#seen.add(node);
          } catch {
            if (this.#seen.has(node)) this.#lost = true;
          }
        }),
      );
      this.#inFlight = false;
    };
    this.#timer = setInterval(() => void renewAll(), Math.min(1_000, (leaseSeconds * 1000) / 3));
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** An agent that held the fault no longer does (or the holder saw it missing after apply). */
  get lost(): boolean {
    return this.#lost;
  }

  lose(): void {
    this.#lost = true;
  }

  /** Until the duration is over, the signal aborts, or an agent lost the fault; then stops renewing. */
  async holdFor(durationMs: number, signal: AbortSignal | undefined): Promise<RevertReport["reason"]> {
    const end = Date.now() + durationMs;
    try {
      while (Date.now() < end) {
        if (this.#lost) return "lease-lost";
        if (signal?.aborted) return "aborted";
        try {
          await sleep(Math.min(250, end - Date.now()), undefined, { signal });
        } catch {
          return "aborted";
        }
      }
      return this.#lost ? "lease-lost" : "duration";
    } finally {
      this.stop();
    }
  }
}
