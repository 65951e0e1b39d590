// Reading /proc: the agent's own capability set and the processes of the (shared) PID namespace.
// The process-kill and process-pause mechanisms will signal what findNodeProcess finds.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import type { NodeProcessMatcher } from "./config.ts";

/** Bit numbers from linux/capability.h for the capabilities the agent cares about. */
export const linuxCapability = { CAP_KILL: 5, CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21 } as const;
export type LinuxCapability = keyof typeof linuxCapability;

/** The effective capability set of this process (CapEff in /proc/self/status). */
export function effectiveCapabilities(statusText = readFileSync("/proc/self/status", "utf8")): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(statusText);
  if (!m?.[1]) throw new Error("/proc/self/status has no CapEff line; is /proc mounted?");
  return BigInt(`0x${m[1]}`);
}

export const hasCapability = (set: bigint, cap: LinuxCapability): boolean =>
  ((set >> BigInt(linuxCapability[cap])) & 1n) === 1n;

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly argv: readonly string[];
}

/** Null when the process vanished between listing and reading, which is normal. */
function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may itself contain spaces and parentheses: cut at the last ')'.
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
    return { pid, ppid, comm, argv };
  } catch {
    return null;
  }
}

function listPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .sort((a, b) => a - b);
}

/** This process and its ancestors up to the namespace boundary (ppid 0). */
function selfAndAncestors(): Set<number> {
  const seen = new Set<number>();
  for (let pid = process.pid; pid > 0 && !seen.has(pid); ) {
    seen.add(pid);
    pid = readProc(pid)?.ppid ?? 0;
  }
  return seen;
}

export interface NodeProcessLookup {
  readonly pid: number | null;
  /** How many processes matched; more than one means the matcher is ambiguous. */
  readonly matches: number;
}

/**
 * Finds the node process. The agent itself and its ancestors never count: when the agent does not
 * share the node's PID namespace, PID 1 is the agent (or its own init), not the node. With `docker
 * run --pid container:<node>` the agent's parent lies outside the namespace (ppid 0), so PID 1 is the
 * node container's init. Among several matches the lowest PID (the oldest) wins.
 */
export function findNodeProcess(matcher: NodeProcessMatcher): NodeProcessLookup {
  const own = selfAndAncestors();
  const isMatch = (p: ProcInfo): boolean => {
    switch (matcher.kind) {
      case "pid1":
        return p.pid === 1;
      case "name":
        return p.comm === matcher.name || (p.argv[0] !== undefined && basename(p.argv[0]) === matcher.name);
      case "cmdline":
        return p.argv.join(" ").includes(matcher.substring);
    }
  };
  const candidates = matcher.kind === "pid1" ? [1] : listPids();
  const found = candidates
    .filter((pid) => !own.has(pid))
    .map(readProc)
    .filter((p): p is ProcInfo => p !== null && isMatch(p));
  return { pid: found[0]?.pid ?? null, matches: found.length };
}

/**
 * Whether `pid` lives in this process's network namespace (compares the namespace inodes); null when
 * its namespace link cannot be read (the process is gone, or ptrace access rules forbid it).
 */
export function sharesNetworkNamespace(pid: number): boolean | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`) === readlinkSync("/proc/self/ns/net");
  } catch {
    return null;
  }
}
