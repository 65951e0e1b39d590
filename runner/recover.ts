// `scenario recover [RUN]`: reconciles what a killed runner left behind. The agents' leases have
// reverted its faults already (or will within the lease); what remains is the run stack (its state
// still lists the faults) and a run directory whose timeline stops mid-run. A run whose runner is
// still alive is left alone, and run stacks that are not scenario runs (`fault apply`) are only named.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { AgentAccess } from "./fault-run.ts";
import { revertFaults } from "./fault-inventory.ts";
import { listRunStacks, RunStack, runIdOf, runStackName } from "./run-stack.ts";
import { timelineEvent } from "./timeline.ts";

const runnerFile = z.object({ pid: z.number().int(), host: z.string(), startedAt: z.string() });

/** Written by the executor when the run starts: who runs it, so recover never touches a live run. */
export function writeRunner(runDir: string): void {
  writeFileSync(join(runDir, "runner.json"), `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() })}\n`);
}

/** The runner of a run directory is a live process of this machine. */
export function runnerAlive(runDir: string): { pid: number } | null {
  const path = join(runDir, "runner.json");
  if (!existsSync(path)) return null;
  const r = runnerFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!r.success || r.data.host !== hostname() || r.data.pid === process.pid) return null;
  try {
    process.kill(r.data.pid, 0);
    return { pid: r.data.pid };
  } catch {
    return null;
  }
}

export interface RecoveredRun {
  readonly runId: string;
  readonly runStack: string;
  readonly action: "destroyed" | "skipped";
  /** Faults the run stack's state still listed. */
  readonly faults: readonly string[];
  /** Faults an agent still held (its lease had not run out yet) and that were reverted now. */
  readonly revertedAtAgents: readonly string[];
  readonly why?: string;
}

export interface RecoverOptions {
  readonly envStack: string;
  readonly access: AgentAccess;
  readonly runsDir: string;
  /** One run (its id); default every scenario run of the environment whose runner is gone. */
  readonly runId?: string;
  readonly onProgress?: (line: string) => void;
}

export async function recoverRuns(options: RecoverOptions): Promise<RecoveredRun[]> {
  const say = options.onProgress ?? (() => {});
  const stacks = await listRunStacks(options.envStack);
  const wanted = options.runId === undefined ? stacks : stacks.filter((s) => s === runStackName(options.envStack, options.runId!));
  if (options.runId !== undefined && wanted.length === 0) say(`run ${options.runId}: no run stack ${runStackName(options.envStack, options.runId)} is left; nothing to reconcile`);
  const out: RecoveredRun[] = [];
  for (const name of wanted) {
    const runId = runIdOf(options.envStack, name);
    const runDir = join(options.runsDir, runId);
    const isScenarioRun = existsSync(join(runDir, "timeline.jsonl"));
    if (options.runId === undefined && !isScenarioRun) {
      out.push({ runId, runStack: name, action: "skipped", faults: [], revertedAtAgents: [], why: "not a scenario run (no run directory); `meshkit-chaos fault list` and `fault revert` handle it" });
      continue;
    }
    const alive = isScenarioRun ? runnerAlive(runDir) : null;
    if (alive) {
      out.push({ runId, runStack: name, action: "skipped", faults: [], revertedAtAgents: [], why: `its runner (pid ${alive.pid}) is still running` });
      continue;
    }
    const stack = await RunStack.open(options.envStack, runId);
    const held = await stack.held();
    const ids = [...new Set(held.map((h) => h.faultId))];
    let reverted: string[] = [];
    let destroyed = false;
    if (ids.length > 0) {
      const outcome = await revertFaults(options.envStack, options.access, { ids });
      reverted = outcome.reverted.map((r) => `${r.id}@${r.nodeId}`);
      destroyed = outcome.runStacksDestroyed.includes(name);
    }
    if (!destroyed) await stack.destroyAndRemove();
    say(`run ${runId}: run stack ${name} destroyed (state listed ${ids.length} fault(s)${reverted.length > 0 ? `; agents still held ${reverted.join(", ")}, reverted now` : "; the agents' leases had reverted them"})`);
    if (isScenarioRun) closeTimeline(runDir, `recovered by \`scenario recover\`: run stack ${name} destroyed; ${reverted.length > 0 ? `reverted at the agents: ${reverted.join(", ")}` : "no agent held a fault of the run any more"}`);
    out.push({ runId, runStack: name, action: "destroyed", faults: ids, revertedAtAgents: reverted });
  }
  return out;
}

/** A timeline that stops mid-run gets a note and, without a verdict, the verdict aborted. */
function closeTimeline(runDir: string, note: string): void {
  const path = join(runDir, "timeline.jsonl");
  const events = readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => timelineEvent.safeParse(JSON.parse(l)));
  const at = new Date().toISOString();
  const lines = [JSON.stringify(timelineEvent.parse({ type: "note", at, text: note }))];
  if (!events.some((e) => e.success && e.data.type === "verdict")) {
    lines.push(JSON.stringify(timelineEvent.parse({ type: "verdict", at, verdict: "aborted", reasons: ["the runner died mid-run (its faults were reverted by the agents' leases); reconciled by scenario recover"] })));
  }
  writeFileSync(path, `${readFileSync(path, "utf8")}${lines.join("\n")}\n`);
}
