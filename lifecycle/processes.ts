// No Pulumi plugin outlives the command that started it. Pulumi starts the language host and every
// provider plugin in a process group of its own, so killing our group does not reach them, and a
// SIGKILL of our CLI cannot be trapped. So every engine process we start carries a session marker in
// its environment (inherited from ours): a watchdog outside our process group stops the marked
// processes as soon as the owner is gone, and every command sweeps, before it starts, whatever a dead
// session left behind (a machine restart of the watchdog, a killed watchdog).
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";

export const sessionVariable = "MESHKIT_CHAOS_SESSION";

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Clock ticks since boot at which it started: with the pid, it names one process for ever. */
  readonly startTime: string;
  readonly name: string;
}

/** /proc/<pid>/stat; undefined when the process is gone. */
export async function processInfo(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // The name is in parentheses and may itself contain spaces or parentheses.
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const rest = stat.slice(close + 2).split(" ");
    return { pid, name: stat.slice(open + 1, close), ppid: Number(rest[1]), startTime: rest[19]! };
  } catch {
    return undefined;
  }
}

async function environment(pid: number): Promise<Map<string, string>> {
  try {
    const text = await readFile(`/proc/${pid}/environ`, "utf8");
    return new Map(
      text
        .split("\0")
        .filter(Boolean)
        .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)] as const),
    );
  } catch {
    return new Map();
  }
}

const sessionOf = (info: ProcessInfo): string => `${info.pid}-${info.startTime}`;

async function sessionAlive(session: string): Promise<boolean> {
  const [pid, startTime] = session.split("-");
  const info = await processInfo(Number(pid));
  return info !== undefined && info.startTime === startTime;
}

const pluginName = /^pulumi-(language|resource|analyzer|converter)-/;
/** Plugins that run as `node` (the dynamic provider, the program the language host starts). */
const nodePlugin = /@pulumi\/pulumi\/cmd\//;

async function commandLine(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
  } catch {
    return "";
  }
}

export interface Orphan extends ProcessInfo {
  readonly why: string;
}

/**
 * Engine processes nobody will stop: marked with a session whose owner is gone, or Pulumi plugins of
 * this checkout (MESHKIT_ROOT in their environment) whose parent engine is gone (reparented to init).
 */
export async function findOrphans(root: string): Promise<Orphan[]> {
  const self = process.pid;
  const pids = (await readdir("/proc")).filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => p !== self);
  const found: Orphan[] = [];
  const alive = new Map<string, boolean>();
  for (const pid of pids) {
    const env = await environment(pid);
    const session = env.get(sessionVariable);
    const marked = session !== undefined;
    if (!marked && env.get("MESHKIT_ROOT") !== root) continue;
    const info = await processInfo(pid);
    if (!info) continue;
    if (marked) {
      if (!alive.has(session)) alive.set(session, await sessionAlive(session));
      if (!alive.get(session)) {
        found.push({ ...info, why: `its session ${session} (the command that started it) is gone` });
        continue;
      }
    }
    if (info.ppid === 1 && (pluginName.test(info.name) || nodePlugin.test(await commandLine(pid)))) {
      found.push({ ...info, why: "a Pulumi plugin of this checkout whose engine is gone" });
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after a grace period, to exactly these processes (pid and start time). */
export async function stopProcesses(processes: readonly ProcessInfo[], graceMs = 3000): Promise<void> {
  const still = async () =>
    (await Promise.all(processes.map(async (p) => ((await processInfo(p.pid))?.startTime === p.startTime ? p : undefined)))).filter(
      (p): p is ProcessInfo => p !== undefined,
    );
  for (const p of processes) signal(p.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await still()).length > 0) await sleep(100);
  for (const p of await still()) signal(p.pid, "SIGKILL");
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/**
 * Marks this process's future children with a session and starts the watchdog that stops them once
 * this process is gone, however it ended. Idempotent; returns the session id.
 */
export async function startSession(): Promise<string> {
  const existing = process.env[sessionVariable];
  const me = await processInfo(process.pid);
  if (!me) throw new Error("cannot read /proc/self/stat: the engine session needs Linux /proc");
  const session = sessionOf(me);
  if (existing === session) return session;
  process.env[sessionVariable] = session;
  // bash, not node: it must be cheap, and it must not carry the marker itself.
  const script = `
    while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
    marked() { for e in /proc/[0-9]*/environ; do grep -qzxF "${sessionVariable}=${session}" "$e" 2>/dev/null && { p=\${e#/proc/}; echo "\${p%/environ}"; }; done; }
    pids=$(marked); [ -z "$pids" ] && exit 0
    kill -TERM $pids 2>/dev/null; sleep 3
    pids=$(marked); [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    exit 0`;
  const env = { ...process.env };
  delete env[sessionVariable];
  const watchdog = spawn("bash", ["-c", script], { detached: true, stdio: "ignore", env });
  watchdog.unref();
  return session;
}
