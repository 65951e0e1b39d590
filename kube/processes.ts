// The cluster's host processes: each runs in its own session (setsid), with a pidfile and a log under
// .kube-local/, so `kube up` returns while they keep running and `kube down`/`status` find them again.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { logFile, pidFile, statePaths } from "./paths.ts";

export interface ProcessSpec {
  /** Name of the pidfile and log (e.g. "kube-apiserver"). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process's command line, or undefined when there is no such process. */
function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}

/** A pid that is alive and still runs `command` (a reused pid is not ours). */
export function isOurs(pid: number, command: string): boolean {
  const args = cmdline(pid);
  return args !== undefined && args.length > 0 && args[0] === command;
}

/** The live pid recorded for `name`, or undefined. */
export async function runningPid(name: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFile(name), "utf8");
  } catch {
    return undefined;
  }
  const [pid, command] = text.split("\n");
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 && command && isOurs(n, command) ? n : undefined;
}

/** Starts the process detached unless it already runs; returns its pid. */
export async function ensureProcess(spec: ProcessSpec, log: (line: string) => void): Promise<number> {
  const existing = await runningPid(spec.name);
  if (existing) return existing;
  await mkdir(statePaths.logs, { recursive: true });
  await mkdir(statePaths.run, { recursive: true });
  const out = openSync(logFile(spec.name), "a");
  try {
    const child = spawn(spec.command, [...spec.args], {
      detached: true,
      stdio: ["ignore", out, out],
      env: { ...process.env, ...spec.env },
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", (error) => reject(new Error(`${spec.name} did not start (${spec.command}): ${error.message}`)));
      child.once("spawn", () => resolve(child.pid!));
    });
    child.unref();
    await writeFile(pidFile(spec.name), `${pid}\n${spec.command}\n`);
    log(`started ${spec.name} (pid ${pid}, log ${logFile(spec.name)})`);
    return pid;
  } finally {
    closeSync(out);
  }
}

/** Throws with the tail of its log when a started process has died. */
export async function assertAlive(name: string): Promise<void> {
  if (await runningPid(name)) return;
  const tail = await readFile(logFile(name), "utf8").then((t) => t.trim().split("\n").slice(-15).join("\n"), () => "(no log)");
  throw new Error(`${name} exited; the end of ${logFile(name)}:\n${tail}`);
}

/** SIGTERM, then SIGKILL after `graceMs`; waits until the process is gone. */
export async function stopPid(pid: number, command: string, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isOurs(pid, command) && Date.now() < deadline) await sleep(100);
  if (isOurs(pid, command)) signal("SIGKILL");
  while (isOurs(pid, command)) await sleep(50);
}

/** Stops the named process if it runs; returns whether it did. Removes its pidfile either way. */
export async function stopProcess(name: string, graceMs?: number): Promise<boolean> {
  const text = await readFile(pidFile(name), "utf8").catch(() => "");
  const [pid, command] = text.split("\n");
  const n = Number(pid);
  let stopped = false;
  if (Number.isInteger(n) && n > 0 && command && isOurs(n, command)) {
    await stopPid(n, command, graceMs);
    stopped = true;
  }
  await rm(pidFile(name), { force: true });
  return stopped;
}

/** Pids of every process whose command line mentions `needle` (e.g. our containerd's socket: its shims). */
export async function pidsMentioning(needle: string): Promise<{ pid: number; command: string }[]> {
  const { readdir } = await import("node:fs/promises");
  const found: { pid: number; command: string }[] = [];
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const args = cmdline(pid);
    if (args && args.some((a) => a.includes(needle))) found.push({ pid, command: args[0]! });
  }
  return found;
}
