// What the process mechanisms (signal, stress) read from /proc: a process's state, start time, CPU
// time and resident memory, and which processes carry a fault's tag in their environment.

import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  /** R, S, D, T (stopped), t, Z (zombie), X ... */
  readonly state: string;
  /** utime + stime in clock ticks. */
  readonly cpuTicks: number;
  /** Start time after boot in clock ticks: with the pid, identifies one process across pid reuse. */
  readonly startTime: number;
}

/** Linux's USER_HZ, which /proc reports times in; 100 on every architecture the project targets. */
export const clockTicksPerSecond = 100;

export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // comm is in parentheses and may contain spaces and parentheses: cut at the last ')'.
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  // Fields after comm, 0-based from field 3 (state) of proc(5).
  const f = text.slice(close + 2).split(" ");
  return {
    pid,
    comm,
    state: f[0] ?? "?",
    ppid: Number(f[1]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    startTime: Number(f[19]),
  };
}


/** True while `pid` is the same process as when `startTime` was read and has not exited. */
export function isAlive(pid: number, startTime: number): boolean {
  const s = readStat(pid);
  return s !== null && s.startTime === startTime && s.state !== "Z" && s.state !== "X";
}

export function readCmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
  } catch {
    return null;
  }
}

export function readEnviron(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter((a) => a !== "");
  } catch {
    return null;
  }
}

export function listPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The environment variable the agent puts on processes it starts for a fault (value: the tag). */
export const faultTagEnv = "MESHKIT_FAULT_TAG";

/**
 * Processes the agent started for the fault with `tag` whose command line starts with `program`
 * (the environment marks them; forked workers that rewrite their title lose it: see `childrenOf`).
 */
export function taggedProcesses(tag: string, program: string): number[] {
  const marker = `${faultTagEnv}=${tag}`;
  return listPids().filter((pid) => {
    if (pid === process.pid) return false;
    const argv0 = readCmdline(pid)?.[0] ?? "";
    if (argv0.split("/").pop() !== program) return false;
    return readEnviron(pid)?.includes(marker) === true;
  });
}

/** Live descendants of `parents` (workers fork their own children) whose name starts with `prefix`. */
export function descendantsOf(parents: ReadonlySet<number>, prefix: string): ProcStat[] {
  const all = listPids()
    .map(readStat)
    .filter((s): s is ProcStat => s !== null && s.state !== "Z" && s.comm.startsWith(prefix));
  const found: ProcStat[] = [];
  const seen = new Set(parents);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of all) {
      if (!seen.has(s.pid) && seen.has(s.ppid)) {
        seen.add(s.pid);
        found.push(s);
        grew = true;
      }
    }
  }
  return found;
}

/** Private anonymous memory (RssAnon) in MB: what an allocation holds, without shared library pages. */
export function rssAnonMb(pid: number): number {
  try {
    const m = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or the time is up. */
export async function pollUntil<T>(timeoutMs: number, probe: () => T | undefined, everyMs = 20): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() >= end) return undefined;
    await sleep(everyMs);
  }
}
