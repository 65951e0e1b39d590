// cpu-stress and memory-pressure: stress-ng workers started by the agent in the node's PID namespace
// (on Docker the agent's cgroup, not the node's: a container's cgroup tree is read-only inside it, so
// the load competes with the node for the same CPUs and memory rather than inside its limits).
// The stress-ng parent carries the fault's tag in its environment; its workers (which rewrite their
// process title, and with it /proc/<pid>/environ) are found as its descendants. Only processes so
// identified, by pid and start time, are ever signalled.

import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { type AgentParams, agentParams } from "../params.ts";
import type { Evidence } from "../protocol.ts";
import type { Mechanism, MechanismContext } from "./mechanism.ts";
import {
  descendantsOf,
  clockTicksPerSecond,
  faultTagEnv,
  isAlive,
  pollUntil,
  type ProcStat,
  readStat,
  rssAnonMb,
  sleep,
  taggedProcesses,
} from "./procfs.ts";

const program = "stress-ng";
const sampleMs = 500;

interface Started {
  readonly pid: number;
  readonly startTime: number;
}

function checkStressNg(ctx: MechanismContext): string[] {
  return ctx.capabilities.stressTools.stressNg
    ? []
    : ["stress tools: stress-ng is not installed in the agent's image (apt-get install stress-ng in images/agent/Dockerfile)"];
}

/** Our stress-ng parents (tagged) and their workers, alive now. */
function ours(ctx: MechanismContext): ProcStat[] {
  const recorded = (ctx.recorded().processes as Started[] | undefined) ?? [];
  const parents = new Set<number>([
    ...taggedProcesses(ctx.tag, program),
    ...recorded.filter((p) => isAlive(p.pid, p.startTime)).map((p) => p.pid),
  ]);
  const parentStats = [...parents].map(readStat).filter((s): s is ProcStat => s !== null);
  return [...parentStats, ...descendantsOf(parents, program)];
}

async function start(ctx: MechanismContext, args: readonly string[], workers: number): Promise<ProcStat[]> {
  const child = spawn(program, [...args, "--quiet"], {
    detached: true, // its own process group: an agent restart does not take it down; the journal does
    stdio: "ignore",
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", [faultTagEnv]: ctx.tag },
  });
  child.unref();
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${program}: ${(await spawnError).message}`);
  const parent = readStat(pid);
  await ctx.record({ processes: parent ? [{ pid, startTime: parent.startTime }] : [] });
  const all = await pollUntil(3_000, () => {
    const found = ours(ctx);
    return found.length >= workers + 1 ? found : undefined;
  }, 50);
  const found = all ?? ours(ctx);
  await ctx.record({ processes: found.map((p) => ({ pid: p.pid, startTime: p.startTime })) });
  if (!all) throw new Error(`${program} started ${found.length - 1} of ${workers} workers within 3 s`);
  return found;
}

/** CPU cores used by `procs` over `sampleMs`, from their utime+stime in /proc. */
async function cpuCores(procs: readonly ProcStat[]): Promise<number> {
  const ticks = (): number => procs.reduce((s, p) => s + (readStat(p.pid)?.cpuTicks ?? 0), 0);
  const t0 = ticks();
  const w0 = performance.now();
  await sleep(sampleMs);
  return (ticks() - t0) / clockTicksPerSecond / ((performance.now() - w0) / 1000);
}

const rssMb = (procs: readonly ProcStat[]): number =>
  procs.reduce((s, p) => {
    const now = readStat(p.pid);
    return s + (now && now.startTime === p.startTime ? rssAnonMb(p.pid) : 0);
  }, 0);

const describe = (procs: readonly ProcStat[]): string => procs.map((p) => `${p.pid} ${p.comm}`).join(", ");

async function stop(ctx: MechanismContext): Promise<Evidence & { verified: boolean }> {
  const found = ours(ctx);
  // The parent stops its workers on SIGTERM; whatever is left after 2 s gets SIGKILL.
  for (const p of found) if (isAlive(p.pid, p.startTime)) process.kill(p.pid, "SIGTERM");
  let left = await pollUntil(2_000, () => {
    const alive = found.filter((p) => isAlive(p.pid, p.startTime));
    return alive.length === 0 ? alive : undefined;
  }, 50);
  if (!left) {
    for (const p of found) if (isAlive(p.pid, p.startTime)) process.kill(p.pid, "SIGKILL");
    left = (await pollUntil(2_000, () => (ours(ctx).length === 0 ? [] : undefined), 50)) ?? ours(ctx);
  }
  const remaining = ours(ctx);
  return {
    verified: remaining.length === 0,
    lines: [
      found.length === 0 ? `no ${program} process of ${ctx.tag} was running` : `stopped ${describe(found)}`,
      remaining.length === 0 ? `no ${program} process of ${ctx.tag} remains` : `still running: ${describe(remaining)}`,
    ],
    measured: { workersRemaining: remaining.length },
  };
}

export const cpuStress: Mechanism<AgentParams<"cpu-stress">> = {
  name: "stress-ng",
  params: agentParams["cpu-stress"],
  check: checkStressNg,

  async apply(ctx, p): Promise<Evidence> {
    const procs = await start(ctx, ["--cpu", String(p.workers), "--cpu-load", String(p.loadPct)], p.workers);
    // What the workers can get: their configured load, capped by the CPUs there are. A loaded machine
    // gives them much less (measured: a fifth at load average 11 on 2 cores), so a tenth of that
    // counts as active. Up to three windows: the workers' load cycles start unevenly.
    const expected = Math.min((p.workers * p.loadPct) / 100, availableParallelism());
    let cores = 0;
    for (let window = 0; window < 3 && cores < expected / 10; window++) cores = Math.max(cores, await cpuCores(procs));
    if (cores < expected / 10) {
      await stop(ctx);
      throw new Error(`${program} workers used at most ${cores.toFixed(2)} CPU cores in three ${sampleMs} ms windows, expected about ${expected.toFixed(2)}`);
    }
    return {
      lines: [`${program} --cpu ${p.workers} --cpu-load ${p.loadPct}: ${describe(procs)}`, `workers use ${cores.toFixed(2)} CPU cores`],
      measured: { cpuCores: cores, workers: procs.length - 1 },
    };
  },

  revert: (ctx) => stop(ctx),
};

export const memoryPressure: Mechanism<AgentParams<"memory-pressure">> = {
  name: "stress-ng",
  params: agentParams["memory-pressure"],
  check: checkStressNg,

  async apply(ctx, p): Promise<Evidence> {
    const procs = await start(ctx, ["--vm", "1", "--vm-bytes", `${p.megabytes}M`, "--vm-keep"], 1);
    // Resident once the worker has touched its pages: allow a second per GB on a slow machine.
    const resident = await pollUntil(3_000 + p.megabytes, () => {
      const mb = rssMb(procs);
      return mb >= p.megabytes * 0.8 ? mb : undefined;
    }, 100);
    if (resident === undefined) {
      const mb = rssMb(procs);
      await stop(ctx);
      throw new Error(`${program} --vm-bytes ${p.megabytes}M: workers resident ${mb.toFixed(0)} MB, expected at least ${(p.megabytes * 0.8).toFixed(0)} MB`);
    }
    return {
      lines: [`${program} --vm 1 --vm-bytes ${p.megabytes}M --vm-keep: ${describe(procs)}`, `workers resident ${resident.toFixed(0)} MB`],
      measured: { rssMb: resident, workers: procs.length - 1 },
    };
  },

  revert: (ctx) => stop(ctx),
};
