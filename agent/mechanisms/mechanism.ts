// What every fault mechanism implements (one file per mechanism in this folder). The agent core
// (journal, lease, API) calls these; a mechanism never touches the journal or the lease itself.
//
// Contract:
// - `check` runs before anything changes and returns what is missing (empty = ok), each entry naming
//   the capability and how to grant it ("NET_ADMIN: add --cap-add NET_ADMIN to the sidecar").
// - `apply` changes kernel/process/file state and returns once the fault is *verified active*
//   (state read back, effect measured where cheap); it throws when verification fails, after undoing
//   what it did.
// - `revert` must be idempotent and work from nothing but the fault id, the params and whatever
//   `apply` recorded through `ctx.record` (the journal keeps it across agent restarts): after a crash
//   mid-apply it removes whatever carries the fault's tag and leaves the rest alone. It returns once
//   the state is *verified reverted* (compared to the snapshot taken before apply).
// - Everything a mechanism creates carries `ctx.tag` (iptables comment, chain name, qdisc handle,
//   file name), so a revert removes exactly its own and never a rule it did not make.

import type { z } from "zod";
import type { FaultKind } from "../../contract/meshkit.ts";
import type { CommandResult } from "../exec.ts";
import type { Capabilities, Evidence } from "../protocol.ts";

export interface MechanismContext {
  /** The fault id. */
  readonly id: string;
  /** `mkc-<id>`: put on everything the mechanism creates. */
  readonly tag: string;
  readonly kind: FaultKind;
  readonly nodeId: string;
  /** The node's data volume as mounted in the agent (disk-fill files, never the root fs). */
  readonly dataDir: string;
  /** The agent's private state directory (on the data volume, survives agent restarts). */
  readonly stateDir: string;
  /** PID of the node process in the shared PID namespace, null when not visible (re-read per call). */
  readonly nodePid: () => number | null;
  readonly capabilities: Capabilities;
  /** Runs a kernel tool with the agent's timeout; failures are values. */
  readonly run: (file: string, args: readonly string[]) => Promise<CommandResult>;
  /** Stores mechanism state (pids, file paths, snapshots) in the journal before it is needed. */
  readonly record: (state: Record<string, unknown>) => Promise<void>;
  /** What `record` stored for this fault (after a restart: what the journal held). */
  readonly recorded: () => Record<string, unknown>;
}

export interface Mechanism<P> {
  /** Reported to clients as `mechanism`, e.g. `iptables`, `netem`, `nfqueue-delay`. */
  readonly name: string;
  readonly params: z.ZodType<P>;
  check(ctx: MechanismContext, params: P): string[];
  apply(ctx: MechanismContext, params: P): Promise<Evidence>;
  revert(ctx: MechanismContext, params: P): Promise<Evidence & { verified: boolean }>;
}
