// Signals to the node process through the shared PID namespace: process-kill and leader-kill (SIGKILL
// or SIGTERM, the node kept down by a hold file until revert) and process-pause (SIGSTOP/SIGCONT).
// The node runs under a supervisor (images/node/supervise), not as the namespace's init: the kernel
// ignores SIGKILL/SIGSTOP sent to an init from inside its namespace. The supervisor restarts a dead
// node unless `<dataDir>/.meshkit-hold-*` exists; the agent's revert removes its hold file.
// leader-kill is process-kill on the node the catalog resolved as the leader (the catalog checks it).

import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AgentParams, agentParams } from "../params.ts";
import type { Evidence } from "../protocol.ts";
import type { Mechanism, MechanismContext } from "./mechanism.ts";
import { isAlive, pollUntil, readCmdline, readStat } from "./procfs.ts";

/** Shared with images/node/supervise, which polls for files with this prefix in the data dir. */
export const holdFilePrefix = ".meshkit-hold-";

const timeouts = {
  /** SIGKILL is immediate; SIGTERM lets the node release its leases and announce Left first. */
  goneMs: { SIGKILL: 3_000, SIGTERM: 10_000 },
  /** The supervisor polls the hold file every 100 ms; a loaded machine needs more. */
  backMs: 10_000,
  stateMs: 2_000,
} as const;

const pidMissing =
  "PID visibility: run the sidecar with pid: container:<node> (docker) / shareProcessNamespace: true (kubernetes)";

function checkPidVisible(ctx: MechanismContext): string[] {
  if (!ctx.capabilities.pidVisibility.nodeProcessVisible || ctx.nodePid() === null) {
    return [`${pidMissing}; no node process is visible to the agent now`];
  }
  return [];
}

interface Target {
  readonly pid: number;
  readonly startTime: number;
  readonly describe: string;
}

function nodeTarget(ctx: MechanismContext): Target {
  const pid = ctx.nodePid();
  const stat = pid === null ? null : readStat(pid);
  if (pid === null || stat === null) throw new Error(`node process of ${ctx.nodeId} is not visible; ${pidMissing}`);
  const argv = readCmdline(pid) ?? [];
  return { pid, startTime: stat.startTime, describe: `${pid} (${argv.at(-1) ?? stat.comm})` };
}

const recordedNumber = (ctx: MechanismContext, key: string): number | null => {
  const v = ctx.recorded()[key];
  return typeof v === "number" ? v : null;
};

type KillParams = { signal: "SIGKILL" | "SIGTERM" };

function killMechanism<P extends KillParams>(params: Mechanism<P>["params"]): Mechanism<P> {
  const holdPath = (ctx: MechanismContext): string => join(ctx.dataDir, `${holdFilePrefix}${ctx.tag}`);
  return {
    name: "signal",
    params,
    check: checkPidVisible,

    async apply(ctx, p): Promise<Evidence> {
      const target = nodeTarget(ctx);
      const hold = holdPath(ctx);
      await ctx.record({ holdFile: hold, pid: target.pid, startTime: target.startTime });
      writeFileSync(hold, `${ctx.id}\n`);
      const sentAt = performance.now();
      try {
        process.kill(target.pid, p.signal);
      } catch (e) {
        rmSync(hold, { force: true });
        throw new Error(`could not send ${p.signal} to node process ${target.describe}: ${(e as Error).message}`);
      }
      const gone = await pollUntil(timeouts.goneMs[p.signal], () => (isAlive(target.pid, target.startTime) ? undefined : true));
      const goneMs = performance.now() - sentAt;
      if (!gone) {
        rmSync(hold, { force: true });
        throw new Error(`node process ${target.describe} still runs ${Math.round(goneMs)} ms after ${p.signal}`);
      }
      // Held: the supervisor must not have started another node process.
      await new Promise((r) => setTimeout(r, 150));
      const other = ctx.nodePid();
      if (other !== null) {
        rmSync(hold, { force: true });
        throw new Error(`node process ${target.describe} is gone but another node process (${other}) runs despite the hold file; is the node image's supervisor in place?`);
      }
      return {
        lines: [
          `sent ${p.signal} to node process ${target.describe}; gone after ${Math.round(goneMs)} ms`,
          `no node process while held by ${hold}`,
        ],
        measured: { goneMs, nodeProcessRunning: 0 },
      };
    },

    async revert(ctx): Promise<Evidence & { verified: boolean }> {
      const hold = (ctx.recorded().holdFile as string | undefined) ?? holdPath(ctx);
      rmSync(hold, { force: true });
      const releasedAt = performance.now();
      const pid = await pollUntil(timeouts.backMs, () => ctx.nodePid() ?? undefined, 25);
      const restartMs = performance.now() - releasedAt;
      if (pid === undefined) {
        return {
          verified: false,
          lines: [`removed ${hold}; no node process ${Math.round(restartMs)} ms later (is the node image's supervisor in place?)`],
          measured: { restartMs, nodeProcessRunning: 0 },
        };
      }
      const killed = recordedNumber(ctx, "pid");
      return {
        verified: true,
        lines: [`removed ${hold}; node process ${pid} runs${killed === pid ? "" : ` (was ${killed ?? "unknown"})`} after ${Math.round(restartMs)} ms`],
        measured: { restartMs, nodeProcessRunning: 1 },
      };
    },
  };
}

export const processKill = killMechanism(agentParams["process-kill"]);
export const leaderKill = killMechanism(agentParams["leader-kill"]);

const stateOf = (pid: number, startTime: number): string | null => {
  const s = readStat(pid);
  return s !== null && s.startTime === startTime ? s.state : null;
};

export const processPause: Mechanism<AgentParams<"process-pause">> = {
  name: "signal",
  params: agentParams["process-pause"],
  check: checkPidVisible,

  async apply(ctx): Promise<Evidence> {
    const target = nodeTarget(ctx);
    await ctx.record({ pid: target.pid, startTime: target.startTime });
    process.kill(target.pid, "SIGSTOP");
    const stopped = await pollUntil(timeouts.stateMs, () => (stateOf(target.pid, target.startTime) === "T" ? true : undefined));
    if (!stopped) {
      process.kill(target.pid, "SIGCONT");
      throw new Error(`node process ${target.describe} is in state ${stateOf(target.pid, target.startTime) ?? "gone"}, not T, after SIGSTOP`);
    }
    return { lines: [`sent SIGSTOP to node process ${target.describe}; state T (stopped)`], measured: { stopped: 1 } };
  },

  async revert(ctx): Promise<Evidence & { verified: boolean }> {
    const pid = recordedNumber(ctx, "pid");
    const startTime = recordedNumber(ctx, "startTime");
    if (pid === null || startTime === null || stateOf(pid, startTime) === null) {
      // Never stopped (crash before SIGSTOP) or the process has exited since: nothing stays paused.
      return { verified: true, lines: [`node process ${pid ?? "(not recorded)"} is not paused: it no longer exists`], measured: { stopped: 0 } };
    }
    process.kill(pid, "SIGCONT");
    const state = await pollUntil(timeouts.stateMs, () => {
      const s = stateOf(pid, startTime);
      return s !== "T" ? (s ?? "gone") : undefined;
    });
    return {
      verified: state !== undefined,
      lines: [`sent SIGCONT to node process ${pid}; state ${state ?? "T (still stopped)"}`],
      measured: { stopped: state === undefined ? 1 : 0 },
    };
  },
};
