// Measures what this agent can do in the node's namespaces, for real: each kernel feature is tried
// on a throw-away object (an interface, a chain) that is removed again and checked to be gone.
// A capability that is missing comes with a note saying why and how to grant it.

import { randomBytes } from "node:crypto";
import { release } from "node:os";
import type { NodeProcessMatcher } from "./config.ts";
import { type CommandResult, type KernelLock, run } from "./exec.ts";
import { effectiveCapabilities, findNodeProcess, hasCapability, sharesNetworkNamespace } from "./proc.ts";
import type { Capabilities } from "./protocol.ts";

/** Names of throw-away objects; a leftover is recognisable as the agent's by this prefix. */
export const probePrefix = "mkprobe";

const probeName = (): string => `${probePrefix}${randomBytes(4).toString("hex")}`; // 15 chars: IFNAMSIZ-1

const why = (r: CommandResult): string => r.stderr.split("\n")[0] || `exit status non-zero: ${r.command}`;

const grantNetAdmin = "grant CAP_NET_ADMIN (docker: --cap-add NET_ADMIN; kubernetes: securityContext.capabilities.add)";

interface QdiscProbe {
  readonly schNetem: boolean;
  readonly tbf: boolean;
  readonly notes: string[];
}

/**
 * Adds a netem then a tbf qdisc on a fresh interface; deleting the link deletes its qdiscs. An empty
 * bridge comes first: Docker hosts have the module loaded, and it forwards nothing without ports.
 * `dummy` and `ifb` are fallbacks only, because autoloading either module creates dummy0 / ifb0-1
 * in the host's initial namespace (and some kernels, like this project's CI kernel, lack `dummy`).
 */
async function probeQdiscs(): Promise<QdiscProbe> {
  const notes: string[] = [];
  const name = probeName();
  let created: string | null = null;
  for (const kind of ["bridge", "dummy", "ifb"]) {
    const r = await run("ip", ["link", "add", name, "type", kind]);
    if (r.missing) return { schNetem: false, tbf: false, notes: ["qdisc probe: `ip` not found; install iproute2"] };
    if (r.ok) {
      created = kind;
      break;
    }
    notes.push(`qdisc probe: ip link add type ${kind}: ${why(r)}`);
    if (/not permitted/i.test(r.stderr)) break;
  }
  if (created === null) {
    notes.push(`schNetem, tbf: unknown, no throw-away interface could be created; ${grantNetAdmin}`);
    return { schNetem: false, tbf: false, notes };
  }
  notes.length = 0;
  try {
    const netem = await run("tc", ["qdisc", "add", "dev", name, "root", "netem", "delay", "1ms"]);
    if (!netem.ok) {
      notes.push(
        /unknown/i.test(netem.stderr)
          ? `schNetem: the kernel has no sch_netem (tc: ${why(netem)}); load it on the host (modprobe sch_netem) or use the iptables/NFQUEUE fallbacks`
          : `schNetem: ${why(netem)}`,
      );
    }
    const tbf = await run("tc", ["qdisc", "replace", "dev", name, "root", "tbf", "rate", "1mbit", "burst", "32kbit", "latency", "400ms"]);
    if (!tbf.ok) notes.push(`tbf: ${why(tbf)}`);
    return { schNetem: netem.ok, tbf: tbf.ok, notes };
  } finally {
    const del = await run("ip", ["link", "del", "dev", name]);
    const still = await run("ip", ["link", "show", "dev", name]);
    if (!del.ok || still.ok) {
      throw new Error(`capability probe left interface ${name} (${created}) behind: ${why(del)}; remove it with: ip link del ${name}`);
    }
  }
}

interface IptablesProbe {
  readonly available: boolean;
  readonly backend: "legacy" | "nf_tables" | null;
  readonly statisticMatch: boolean;
  readonly notes: string[];
}

const tablesIn = (save: string): string[] => [...save.matchAll(/^\*(\w+)$/gm)].map((m) => m[1]!);

/**
 * Creates a chain (referenced by nothing, so it sees no packet), adds a `statistic` rule to it and
 * removes both. The chain goes into a table that already exists where possible; with nf_tables a
 * table the probe had to create is deleted again if still empty.
 */
async function probeIptables(): Promise<IptablesProbe> {
  const version = await run("iptables", ["--version"]);
  if (!version.ok) {
    const reason = version.missing ? "`iptables` not found; install iptables" : why(version);
    return { available: false, backend: null, statisticMatch: false, notes: [`iptables: ${reason}`] };
  }
  const backend = /nf_tables/.test(version.stdout) ? "nf_tables" : "legacy";
  const notes: string[] = [];
  const save = await run("iptables-save", []);
  const existing = save.ok ? tablesIn(save.stdout) : [];
  const table = existing.includes("filter") || existing.length === 0 ? "filter" : existing[0]!;
  const chain = probeName().toUpperCase();
  const ipt = (...args: string[]) => run("iptables", ["-w", "5", "-t", table, ...args]);

  const created = await ipt("-N", chain);
  if (!created.ok) {
    const hint = /permission denied|not permitted/i.test(created.stderr) ? `; ${grantNetAdmin}` : "";
    return { available: false, backend, statisticMatch: false, notes: [`iptables: cannot create a chain (${why(created)})${hint}`] };
  }
  let statisticMatch = false;
  try {
    const rule = await ipt("-A", chain, "-m", "statistic", "--mode", "random", "--probability", "0.5", "-j", "RETURN");
    statisticMatch = rule.ok;
    if (!rule.ok) notes.push(`iptables statistic match: ${why(rule)} (packet-loss then needs netem)`);
  } finally {
    await ipt("-F", chain);
    const removed = await ipt("-X", chain);
    if (!removed.ok || (await ipt("-S", chain)).ok) {
      throw new Error(`capability probe left iptables chain ${chain} in table ${table}: ${why(removed)}; remove it with: iptables -t ${table} -F ${chain}; iptables -t ${table} -X ${chain}`);
    }
  }
  if (!existing.includes(table)) notes.push(...(await dropCreatedTable(backend, table)));
  return { available: true, backend, statisticMatch, notes };
}

/** Undoes the table that creating the probe chain brought into being, where the kernel allows it. */
async function dropCreatedTable(backend: "legacy" | "nf_tables", table: string): Promise<string[]> {
  if (backend === "legacy") {
    // Legacy tables live as long as the namespace; an empty one has ACCEPT policies and no rules.
    return [`iptables: the probe instantiated the empty legacy ${table} table (no rules; legacy tables cannot be removed)`];
  }
  const listed = await run("nft", ["list", "table", "ip", table]);
  if (listed.missing) return [`iptables: the probe created the empty nf_tables table ip ${table}; install nftables so the agent can remove it`];
  if (listed.ok && !/\bchain\b/.test(listed.stdout)) {
    const del = await run("nft", ["delete", "table", "ip", table]);
    if (!del.ok) return [`iptables: could not remove the empty table ip ${table} the probe created: ${why(del)}`];
  }
  return [];
}

export interface CapabilityProbeOptions {
  readonly nodeProcess: NodeProcessMatcher;
  readonly lock: KernelLock;
}

/** The node process as seen now; cheap (a /proc scan), so it is re-read for every answer. */
export function measurePidVisibility(matcher: NodeProcessMatcher): { visibility: Capabilities["pidVisibility"]; notes: string[] } {
  const found = findNodeProcess(matcher);
  const notes: string[] = [];
  if (found.pid === null) {
    notes.push(
      matcher.kind === "pid1"
        ? "pidVisibility: PID 1 is the agent's own (or its ancestor): the agent does not share the node's PID namespace (docker: --pid container:<node>; kubernetes: shareProcessNamespace: true)"
        : "pidVisibility: no process matches the node process matcher; share the node's PID namespace (docker: --pid container:<node>) or fix MESHKIT_AGENT_NODE_PROCESS",
    );
  } else if (found.matches > 1) {
    notes.push(`pidVisibility: ${found.matches} processes match the node process matcher; using the lowest PID ${found.pid}`);
  }
  const sharesNet = found.pid === null ? null : sharesNetworkNamespace(found.pid);
  if (sharesNet === false) {
    notes.push(`pidVisibility: node process ${found.pid} is in another network namespace; run the agent in the node's (docker: --network container:<node>)`);
  }
  return { visibility: { nodeProcessVisible: found.pid !== null, pid: found.pid, sharesNetworkNamespace: sharesNet }, notes };
}

export async function measureCapabilities(options: CapabilityProbeOptions): Promise<Capabilities> {
  const netAdmin = hasCapability(effectiveCapabilities(), "CAP_NET_ADMIN");
  const notes: string[] = netAdmin ? [] : [`netAdmin: CAP_NET_ADMIN is not in the effective set; ${grantNetAdmin}`];
  const { qdiscs, iptables } = await options.lock.hold(async () => ({ qdiscs: await probeQdiscs(), iptables: await probeIptables() }));
  const pid = measurePidVisibility(options.nodeProcess);
  const stressNg = await run("stress-ng", ["--version"]);
  if (!stressNg.ok) notes.push(`stressTools: stress-ng ${stressNg.missing ? "not found; install stress-ng" : why(stressNg)}`);
  return {
    netAdmin,
    schNetem: qdiscs.schNetem,
    tbf: qdiscs.tbf,
    iptables: { available: iptables.available, backend: iptables.backend, statisticMatch: iptables.statisticMatch },
    pidVisibility: pid.visibility,
    stressTools: { stressNg: stressNg.ok },
    kernel: release(),
    measuredAt: new Date().toISOString(),
    notes: [...notes, ...qdiscs.notes, ...iptables.notes, ...pid.notes],
  };
}
