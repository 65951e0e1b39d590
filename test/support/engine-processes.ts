// Pulumi engine processes seen from /proc: the ones a command's session started, and plugins of this
// checkout whose engine is gone. Used to prove that no plugin outlives the command that started it.
import { readdir, readFile } from "node:fs/promises";
import { sessionVariable } from "../../lifecycle/processes.ts";

export interface EngineProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly args: string;
}

async function read(pid: number): Promise<{ env: string[]; comm: string; ppid: number; args: string } | undefined> {
  try {
    const [env, stat, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/environ`, "utf8"),
      readFile(`/proc/${pid}/stat`, "utf8"),
      readFile(`/proc/${pid}/cmdline`, "utf8"),
    ]);
    const close = stat.lastIndexOf(")");
    // A zombie has no environment left and holds nothing: it is not running.
    if (stat.slice(close + 2).startsWith("Z")) return undefined;
    return {
      env: env.split("\0"),
      comm: stat.slice(stat.indexOf("(") + 1, close),
      ppid: Number(stat.slice(close + 2).split(" ")[1]),
      args: cmdline.replaceAll("\0", " ").trim(),
    };
  } catch {
    return undefined;
  }
}

/** Live processes whose environment carries the session marker of the CLI process `cliPid`. */
export async function sessionProcesses(cliPid: number): Promise<EngineProcess[]> {
  const out: EngineProcess[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const p = await read(Number(entry));
    if (p?.env.some((e) => e.startsWith(`${sessionVariable}=${cliPid}-`))) out.push({ pid: Number(entry), ppid: p.ppid, comm: p.comm, args: p.args });
  }
  return out;
}

/** The pulumi CLI of a session, once it runs (polls). */
export async function waitForEngine(cliPid: number, timeoutMs: number): Promise<EngineProcess> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const engine = (await sessionProcesses(cliPid)).find((p) => p.comm === "pulumi");
    if (engine) return engine;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no pulumi engine started by CLI pid ${cliPid} within ${timeoutMs} ms`);
}

/** Pulumi plugins (and their node programs) of this checkout that run without their engine. */
export async function orphanPlugins(root: string): Promise<EngineProcess[]> {
  const out: EngineProcess[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const p = await read(Number(entry));
    if (!p || p.ppid !== 1 || !p.env.includes(`MESHKIT_ROOT=${root}`)) continue;
    if (/^pulumi-/.test(p.comm) || p.args.includes("@pulumi/pulumi/cmd/")) out.push({ pid: Number(entry), ppid: p.ppid, comm: p.comm, args: p.args });
  }
  return out;
}

/** The watchdog of a CLI session (a bash loop outside its process group). */
export async function watchdogOf(cliPid: number): Promise<number | undefined> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const p = await read(Number(entry));
    if (p?.comm === "bash" && p.args.includes(`kill -0 ${cliPid} `)) return Number(entry);
  }
  return undefined;
}
