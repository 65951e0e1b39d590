// network-latency without sch_netem: an iptables rule sends the node's outbound packets to an NFQUEUE
// that meshkit-netdelay (tools/netdelay) reads, holding each packet for delay ± jitter before it
// accepts it. The rules carry --queue-bypass, so traffic flows undelayed whenever no delayer is bound:
// a dead delayer degrades the fault, never the node.
//
// Layout: a chain named after the fault holds the NFQUEUE rule(s) (one per peer address, or one for
// every destination); one jump rule is appended to filter OUTPUT, skipping loopback. Appended, not
// inserted: an NFQUEUE accept ends the packet's walk of its chain, so drop rules of other faults
// (partition, loss), which are inserted at the top, must come first.
//
// The delayer is the agent's child with a stdin pipe as a lifeline: when the agent dies, the pipe
// closes and the delayer accepts what it holds and exits. Its pid is journaled so a restarted agent's
// revert finds it (checking /proc/<pid>/cmdline, so a reused pid is never killed).

import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { AgentParams } from "../params.ts";
import { agentParams } from "../params.ts";
import type { Evidence } from "../protocol.ts";
import type { Mechanism, MechanismContext } from "./mechanism.ts";
import { checkLatency, measureRtt, probeTarget, resolvePeers } from "./rtt-probe.ts";

type Params = AgentParams<"network-latency">;

export const netdelayEnv = "MESHKIT_AGENT_NETDELAY";
export const netdelayDefaultPath = "/opt/meshkit/bin/meshkit-netdelay";
const netdelayPath = (): string => process.env[netdelayEnv] || netdelayDefaultPath;

/** Queues 16384..32767 are ours; the number is derived from the fault id (next free one on a clash). */
const queueBase = 0x4000;
const queueSpan = 0x4000;
export function queueFor(faultId: string, attempt = 0): number {
  const n = createHash("sha256").update(faultId).digest().readUInt16BE(0);
  return queueBase + ((n + attempt) % queueSpan);
}

/** ≤ 28 characters (the kernel's limit), the same shape as the iptables mechanisms' chains. */
export const chainFor = (id: string): string =>
  `MKC-${id.slice(0, 15).toUpperCase()}-${createHash("sha256").update(id).digest("hex").slice(0, 8).toUpperCase()}`;

/** Queue numbers some process is bound to now (/proc/net/netfilter/nfnetlink_queue, first column). */
export function boundQueues(): Set<number> {
  try {
    const text = readFileSync("/proc/net/netfilter/nfnetlink_queue", "utf8");
    return new Set(text.split("\n").filter((l) => l.trim() !== "").map((l) => Number(l.trim().split(/\s+/)[0])));
  } catch {
    return new Set();
  }
}

/** Delayer processes reading `queue` in this network namespace (queue numbers are per namespace). */
function delayersOn(queue: number): number[] {
  const found: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const argv = cmdline(Number(d));
    if (argv !== null && isDelayerFor(argv, queue) && inOurNetns(Number(d))) found.push(Number(d));
  }
  return found;
}

function inOurNetns(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`) === readlinkSync("/proc/self/ns/net");
  } catch {
    return false;
  }
}

function cmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
  } catch {
    return null;
  }
}

const isDelayerFor = (argv: readonly string[], queue: number): boolean =>
  argv[0] !== undefined && argv[0].endsWith("meshkit-netdelay") && argv.includes("--queue") && argv[argv.indexOf("--queue") + 1] === String(queue);

const alive = (pid: number): boolean => cmdline(pid) !== null;

/** This agent's delayer children by fault id, so a revert can wait for the exit it caused. */
const children = new Map<string, ChildProcess>();

function startDelayer(ctx: MechanismContext, queue: number, p: Params): Promise<ChildProcess> {
  const args = ["--queue", String(queue), "--delay-ms", String(p.delayMs), "--jitter-ms", String(p.jitterMs), "--correlation-pct", String(p.correlationPct), "--stdin-lifeline"];
  const child = spawn(netdelayPath(), args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => {
    stderr = (stderr + b.toString("utf8")).slice(-2_000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`meshkit-netdelay did not bind queue ${queue} within 5 s: ${stderr.trim()}`));
    }, 5_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${netdelayPath()}: ${e.message}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`meshkit-netdelay exited (${signal ?? code}) before binding queue ${queue}: ${stderr.trim()}`));
    });
    let stdout = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString("utf8");
      if (/"ready":true/.test(stdout)) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        child.once("exit", () => children.delete(ctx.id));
        children.set(ctx.id, child);
        resolve(child);
      }
    });
  });
}

async function stopDelayers(ctx: MechanismContext, queue: number, recordedPid: number | undefined): Promise<number[]> {
  const pids = new Set(delayersOn(queue));
  if (recordedPid !== undefined) {
    const argv = cmdline(recordedPid);
    if (argv !== null && isDelayerFor(argv, queue) && inOurNetns(recordedPid)) pids.add(recordedPid);
  }
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Gone between the scan and the signal.
    }
  }
  // SIGTERM makes it accept everything it holds; a wedged one is killed after 3 s.
  const deadline = Date.now() + 3_000;
  while ([...pids].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const pid of [...pids].filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  children.delete(ctx.id);
  return [...pids];
}

const ipt = (ctx: MechanismContext, ...args: string[]) => ctx.run("iptables", ["-w", "5", ...args]);

/** The OUTPUT rules carrying the fault's tag, as `iptables -S` prints them. */
async function taggedOutputRules(ctx: MechanismContext): Promise<string[]> {
  const r = await ipt(ctx, "-S", "OUTPUT");
  if (!r.ok) throw new Error(`iptables -S OUTPUT: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.startsWith("-A OUTPUT ") && l.split(" ").includes(ctx.tag));
}

async function removeRules(ctx: MechanismContext, chain: string): Promise<void> {
  for (const rule of await taggedOutputRules(ctx)) {
    // Our rules have no quoted words, so the printed rule splits back into its arguments.
    const del = await ipt(ctx, "-D", ...rule.split(" ").slice(1));
    if (!del.ok) throw new Error(`iptables -D ${rule.slice(3)}: ${del.stderr}`);
  }
  if ((await ipt(ctx, "-S", chain)).ok) {
    await ipt(ctx, "-F", chain);
    const x = await ipt(ctx, "-X", chain);
    if (!x.ok) throw new Error(`iptables -X ${chain}: ${x.stderr}`);
  }
}

/** Whether the filter table is instantiated (with nf_tables, only then does `nft` list it). */
async function filterTableExists(ctx: MechanismContext): Promise<boolean> {
  const listed = await ctx.run("nft", ["list", "table", "ip", "filter"]);
  return listed.ok || ctx.capabilities.iptables.backend !== "nf_tables";
}

/**
 * With nf_tables, creating our chain may have created the `ip filter` table; once it holds nothing
 * but empty built-in chains again it is deleted, so the namespace is as the fault found it. (Legacy
 * tables live as long as the namespace and hold no rules once ours are gone.)
 */
async function dropFilterTableIfCreated(ctx: MechanismContext): Promise<string[]> {
  if (ctx.capabilities.iptables.backend !== "nf_tables") return [];
  const save = await ctx.run("iptables-save", ["-t", "filter"]);
  if (!save.ok) return [];
  const busy = save.stdout.split("\n").some((l) => l.startsWith("-A ") || (l.startsWith(":") && !/^:(INPUT|FORWARD|OUTPUT) ACCEPT /.test(l)));
  if (busy) return ["the filter table holds other rules now, so it stays"];
  const del = await ctx.run("nft", ["delete", "table", "ip", "filter"]);
  return del.ok ? ["deleted the empty ip filter table the fault had created"] : [`could not delete the empty ip filter table the fault created: ${del.stderr}`];
}

export const nfqueueDelay: Mechanism<Params> = {
  name: "nfqueue-delay",
  params: agentParams["network-latency"],

  check(ctx) {
    const missing: string[] = [];
    if (!ctx.capabilities.netAdmin) missing.push("NET_ADMIN: add --cap-add NET_ADMIN to the sidecar (kubernetes: securityContext.capabilities.add)");
    if (!ctx.capabilities.iptables.available) missing.push("iptables: the agent could not create a chain (see the capabilities notes); install iptables in the agent image and grant NET_ADMIN");
    try {
      accessSync(netdelayPath(), constants.X_OK);
    } catch {
      missing.push(`meshkit-netdelay: no executable at ${netdelayPath()}; rebuild the agent image (npm run images) or set ${netdelayEnv} to the binary built by scripts/build-netdelay`);
    }
    return missing;
  },

  async apply(ctx, p) {
    const resolved = await resolvePeers(p.peers);
    const addresses = [...new Set([...resolved.values()].flat())];
    const target = await probeTarget(ctx.run, addresses);
    const baseline = target === null ? null : await measureRtt(target, 7, 1_000);

    const bound = boundQueues();
    let attempt = 0;
    while (bound.has(queueFor(ctx.id, attempt)) && attempt < 16) attempt++;
    const queue = queueFor(ctx.id, attempt);
    const chain = chainFor(ctx.id);
    const filterTableExisted = await filterTableExists(ctx);
    await ctx.record({ queue, chain, addresses, filterTableExisted });

    try {
      const child = await startDelayer(ctx, queue, p);
      await ctx.record({ pid: child.pid, binary: netdelayPath() });

      const created = await ipt(ctx, "-N", chain);
      if (!created.ok) throw new Error(`iptables -N ${chain}: ${created.stderr}`);
      const nfq = ["-m", "comment", "--comment", ctx.tag, "-j", "NFQUEUE", "--queue-num", String(queue), "--queue-bypass"];
      for (const dst of addresses.length > 0 ? addresses : [null]) {
        const rule = await ipt(ctx, "-A", chain, ...(dst === null ? [] : ["-d", `${dst}/32`]), ...nfq);
        if (!rule.ok) throw new Error(`iptables -A ${chain} … NFQUEUE: ${rule.stderr}`);
      }
      const jump = await ipt(ctx, "-A", "OUTPUT", "!", "-o", "lo", "-m", "comment", "--comment", ctx.tag, "-j", chain);
      if (!jump.ok) throw new Error(`iptables -A OUTPUT … -j ${chain}: ${jump.stderr}`);

      const rules = [...(await taggedOutputRules(ctx)), ...(await ipt(ctx, "-S", chain)).stdout.split("\n").filter((l) => l.startsWith("-A "))];
      if (!boundQueues().has(queue)) throw new Error(`queue ${queue} is not bound after meshkit-netdelay reported ready`);
      const latency = await checkLatency(baseline, p.delayMs, p.jitterMs);
      if (latency.failure !== null) throw new Error(`network-latency not verified: ${latency.failure}`);
      return {
        lines: [
          ...rules.map((r) => `iptables ${r}`),
          `meshkit-netdelay pid ${child.pid} bound to NFQUEUE ${queue}: delay ${p.delayMs} ms ± ${p.jitterMs} ms, correlation ${p.correlationPct} %`,
          ...(p.peers.length > 0 ? [`peers: ${[...resolved].map(([peer, ips]) => `${peer}=${ips.join(",")}`).join(" ")}`] : []),
          ...latency.lines,
        ],
        measured: { ...latency.measured, queue },
      };
    } catch (e) {
      await removeRules(ctx, chain).catch(() => undefined);
      if (!filterTableExisted) await dropFilterTableIfCreated(ctx);
      await stopDelayers(ctx, queue, children.get(ctx.id)?.pid);
      throw e;
    }
  },

  async revert(ctx) {
    const rec = ctx.recorded();
    const queue = typeof rec.queue === "number" ? rec.queue : queueFor(ctx.id);
    const chain = typeof rec.chain === "string" ? rec.chain : chainFor(ctx.id);
    // Rules first, so nothing new is queued; then the delayer releases what it holds.
    await removeRules(ctx, chain);
    const stopped = await stopDelayers(ctx, queue, typeof rec.pid === "number" ? rec.pid : undefined);
    const table = rec.filterTableExisted === false ? await dropFilterTableIfCreated(ctx) : [];
    const leftRules = await taggedOutputRules(ctx);
    const chainLeft = (await ipt(ctx, "-S", chain)).ok;
    const leftDelayers = delayersOn(queue);
    const verified = leftRules.length === 0 && !chainLeft && leftDelayers.length === 0;
    const evidence: Evidence = {
      lines: [
        `removed the OUTPUT jump and chain ${chain} tagged ${ctx.tag}${chainLeft || leftRules.length > 0 ? " — but some are still there" : ""}`,
        stopped.length > 0 ? `stopped meshkit-netdelay pid ${stopped.join(", ")} (queue ${queue})` : `no meshkit-netdelay was running on queue ${queue}`,
        ...table,
        ...(leftDelayers.length > 0 ? [`meshkit-netdelay still running: pid ${leftDelayers.join(", ")}`] : []),
      ],
      measured: { queue },
    };
    return { ...evidence, verified };
  },
};
