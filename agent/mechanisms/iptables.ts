// iptables mechanisms: network-partition and transport-downgrade (`iptables`) and packet-loss
// (`iptables-statistic`). Each fault gets its own chain, jumped from INPUT/OUTPUT by rules commented
// with the fault's tag; the chain and the jumps go in with one `iptables-restore --noflush`, so a
// fault is either wholly in the kernel or not at all. Revert deletes what carries the tag (the
// jumps) and the fault's chain, read back from iptables-save, so it also works after a crash
// mid-apply and never touches a rule it did not make.
//
// The `iptables` front end is the one the capability probe measured (legacy or nf_tables); its
// -save/-restore siblings are the same alternative.

import { createHash } from "node:crypto";
import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { ports } from "../../contract/meshkit.ts";
import { defaults } from "../config.ts";
import { agentApi } from "../contract.ts";
import { type AgentParams, agentParams } from "../params.ts";
import type { Evidence } from "../protocol.ts";
import type { Mechanism, MechanismContext } from "./mechanism.ts";

const table = "filter";

/**
 * How long a TCP connect to a cut-off peer must stay unanswered. An uncut peer's kernel answers the
 * SYN (SYN-ACK or RST) in well under 1 ms on a bridge, whatever its program does; the wait is
 * spent on every apply, so it is kept short.
 */
export const connectProbeMs = 50;
/** UDP datagrams sent to measure a loss ratio (each dropped one fails locally with EPERM). */
const lossProbes = 400;
/** discard: nothing listens there, so probes reach no program of the peer. */
const lossProbePort = 9;

const grant = {
  netAdmin: "NET_ADMIN: start the sidecar with --cap-add NET_ADMIN (docker) / securityContext.capabilities.add [NET_ADMIN] (kubernetes)",
  iptables: "iptables: the agent could not create a chain (see GET /v1/capabilities notes); install iptables in the agent image and grant NET_ADMIN",
  statistic:
    "iptables statistic match: the kernel refused `-m statistic --mode random` (load xt_statistic on the host: modprobe xt_statistic), or use a kernel with sch_netem",
};

/** ≤ 28 characters (the kernel's limit), recognisable, unique per id even when ids share a prefix. */
export const chainOf = (id: string): string =>
  `MKC-${id.slice(0, 15).toUpperCase()}-${createHash("sha256").update(id).digest("hex").slice(0, 8).toUpperCase()}`;

function checkIptables(ctx: MechanismContext, statistic: boolean): string[] {
  const c = ctx.capabilities;
  if (!c.netAdmin) return [grant.netAdmin];
  if (!c.iptables.available) return [grant.iptables];
  if (statistic && !c.iptables.statisticMatch) return [grant.statistic];
  return [];
}

async function restore(ctx: MechanismContext, lines: readonly string[]): Promise<void> {
  const input = [`*${table}`, ...lines, "COMMIT", ""].join("\n");
  const r = await execa("iptables-restore", ["-w", "5", "--noflush"], { input, reject: false, timeout: defaults.commandTimeoutMs });
  if (r.exitCode !== 0) throw new Error(`iptables-restore failed for ${ctx.tag}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
}

/** The rules of the filter table that belong to this fault: its jumps (by tag) and its chain. */
async function ownedRules(ctx: MechanismContext): Promise<{ jumps: string[]; chainLines: string[] }> {
  const r = await ctx.run("iptables-save", ["-t", table]);
  if (!r.ok) throw new Error(`iptables-save failed: ${r.stderr.split("\n")[0]}`);
  const chain = chainOf(ctx.id);
  const lines = r.stdout.split("\n");
  const tagged = new RegExp(`--comment "?${ctx.tag}"?(\\s|$)`);
  return {
    jumps: lines.filter((l) => l.startsWith("-A ") && !l.startsWith(`-A ${chain} `) && (tagged.test(l) || l.endsWith(`-j ${chain}`))),
    chainLines: lines.filter((l) => l === `:${chain} - [0:0]` || l.startsWith(`:${chain} `) || l.startsWith(`-A ${chain} `)),
  };
}

interface RuleSet {
  /** Built-in chains that jump to the fault's chain, with extra matches on the jump. */
  readonly hooks: readonly { readonly chain: "INPUT" | "OUTPUT"; readonly match: readonly string[] }[];
  /** Rules appended to the fault's chain (without `-A chain`). */
  readonly rules: readonly (readonly string[])[];
}

/**
 * Whether the filter table exists as a kernel object. With nf_tables it comes into being with the
 * first rule and `iptables-save -t filter` prints it even when absent, so ask nft.
 */
async function tableExists(ctx: MechanismContext): Promise<boolean> {
  if (ctx.capabilities.iptables.backend !== "nf_tables") return true; // legacy tables cannot be removed anyway
  return (await ctx.run("nft", ["list", "table", "ip", table])).ok;
}

/** Creates the chain with its rules and puts the jumps first in INPUT/OUTPUT, atomically. */
async function install(ctx: MechanismContext, set: RuleSet): Promise<string[]> {
  const chain = chainOf(ctx.id);
  const comment = ["-m", "comment", "--comment", ctx.tag];
  // Marked before the change, so the last revert (even after a crash) knows the table was the agent's.
  // Nothing else needs recording: the chain name and the tag follow from the fault id.
  if (!(await tableExists(ctx))) await writeFile(createdTableMarker(ctx), `${ctx.tag}\n`);
  await restore(ctx, [
    `:${chain} - [0:0]`,
    ...set.rules.map((r) => ["-A", chain, ...r, ...comment].join(" ")),
    ...set.hooks.map((h) => ["-I", h.chain, "1", ...h.match, ...comment, "-j", chain].join(" ")),
  ]);
  const owned = await ownedRules(ctx);
  const rulesSeen = owned.chainLines.filter((l) => l.startsWith("-A ")).length;
  if (owned.jumps.length !== set.hooks.length || rulesSeen !== set.rules.length) {
    throw new Error(`${ctx.tag}: read back ${owned.jumps.length}/${set.hooks.length} jumps and ${rulesSeen}/${set.rules.length} rules after iptables-restore`);
  }
  return [`iptables (${ctx.capabilities.iptables.backend ?? "unknown"} backend), table ${table}:`, ...owned.jumps, ...owned.chainLines];
}

/** Removes the fault's jumps and chain, whatever state a crash left them in, and checks they are gone. */
async function uninstall(ctx: MechanismContext): Promise<Evidence & { verified: boolean }> {
  const chain = chainOf(ctx.id);
  const before = await ownedRules(ctx);
  const chainExists = before.chainLines.some((l) => l.startsWith(`:${chain} `));
  const lines = [...before.jumps.map((l) => l.replace(/^-A /, "-D ")), ...(chainExists ? [`-F ${chain}`, `-X ${chain}`] : [])];
  if (lines.length > 0) await restore(ctx, lines);
  const after = await ownedRules(ctx);
  const left = [...after.jumps, ...after.chainLines];
  const tableLine = existsSync(createdTableMarker(ctx)) ? await dropEmptyTable(ctx) : null;
  return {
    verified: left.length === 0,
    lines:
      left.length === 0
        ? [`iptables: removed ${before.jumps.length} jump(s)${chainExists ? ` and chain ${chain}` : ""}; nothing tagged ${ctx.tag} left`, ...(tableLine ? [tableLine] : [])]
        : [`iptables: still present after revert:`, ...left],
    measured: { rulesRemoved: before.jumps.length + before.chainLines.filter((l) => l.startsWith("-A ")).length, rulesLeft: left.length },
  };
}

/**
 * A file in the agent's state dir saying an apply brought the nf_tables filter table into being. It
 * is shared by all faults: whichever revert leaves the table holding nothing but the built-in chains
 * with ACCEPT policies removes it, so the namespace is left as found. A table that holds anything
 * else (another fault's chain, someone's rule) stays.
 */
const createdTableMarker = (ctx: MechanismContext): string => join(ctx.stateDir, `iptables-created-${table}-table`);

async function dropEmptyTable(ctx: MechanismContext): Promise<string | null> {
  if (!(await tableExists(ctx))) {
    await rm(createdTableMarker(ctx), { force: true });
    return null;
  }
  const save = await ctx.run("iptables-save", ["-t", table]);
  const content = save.stdout.split("\n").filter((l) => !l.startsWith("#") && l !== `*${table}` && l !== "COMMIT" && !/^:(INPUT|FORWARD|OUTPUT) ACCEPT /.test(l));
  if (!save.ok || content.length > 0) return null;
  const del = await ctx.run("nft", ["delete", "table", "ip", table]);
  if (del.ok) await rm(createdTableMarker(ctx), { force: true });
  return del.ok ? `nftables: removed the empty table ip ${table} the agent's faults had created` : `nftables: could not remove the empty table ip ${table}: ${del.stderr.split("\n")[0]}`;
}

/** Every IPv4 address of every peer; a peer that does not resolve fails the apply before any change. */
async function resolvePeers(peers: readonly string[]): Promise<{ addresses: string[]; lines: string[] }> {
  const resolved = await Promise.all(
    peers.map(async (peer) => {
      try {
        return { peer, addresses: (await lookup(peer, { all: true, family: 4 })).map((a) => a.address) };
      } catch (err) {
        throw new Error(`peer ${peer} does not resolve to an IPv4 address from this node (${(err as NodeJS.ErrnoException).code ?? String(err)}); nothing was changed`);
      }
    }),
  );
  return {
    addresses: [...new Set(resolved.flatMap((r) => r.addresses))],
    lines: resolved.map((r) => `peer ${r.peer} → ${r.addresses.join(", ")}`),
  };
}

type ConnectResult = "timed-out" | "blocked" | "connected" | `error ${string}`;

/** A TCP connect from the node's namespace: with the partition in place it must get no answer. */
function probeConnect(host: string, port: number, timeoutMs: number): Promise<{ result: ConnectResult; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ConnectResult) => {
      socket.destroy();
      resolve({ result, ms: performance.now() - started });
    };
    socket.setTimeout(timeoutMs, () => done("timed-out"));
    socket.once("connect", () => done("connected"));
    // EPERM: the OUTPUT rule refused the SYN locally, which is a partition too.
    socket.once("error", (err: NodeJS.ErrnoException) => done(err.code === "EPERM" ? "blocked" : `error ${err.code ?? err.message}`));
  });
}

/** Sends UDP datagrams; a datagram an OUTPUT rule drops fails locally with EPERM, so the ratio is exact. */
async function probeUdpDrops(host: string, port: number, count: number): Promise<number> {
  const socket = createSocket("udp4");
  const payload = Buffer.from("meshkit-chaos probe");
  try {
    let dropped = 0;
    for (let i = 0; i < count; i++) {
      const failed = await new Promise<NodeJS.ErrnoException | null>((resolve) => socket.send(payload, port, host, resolve));
      if (failed?.code === "EPERM") dropped++;
      else if (failed) throw new Error(`UDP probe to ${host}:${port} failed: ${failed.code ?? failed.message}`);
    }
    return dropped;
  } finally {
    socket.close();
  }
}

type PartitionParams = AgentParams<"network-partition">;

export const iptablesPartition: Mechanism<PartitionParams> = {
  name: "iptables",
  params: agentParams["network-partition"],
  check: (ctx) => checkIptables(ctx, false),
  async apply(ctx, params) {
    const peers = await resolvePeers(params.peers);
    const rules: string[][] = [];
    for (const ip of peers.addresses) {
      if (params.direction !== "outbound") rules.push(["-s", `${ip}/32`, "-j", "DROP"]);
      if (params.direction !== "inbound") rules.push(["-d", `${ip}/32`, "-j", "DROP"]);
    }
    const lines = await install(ctx, { hooks: [{ chain: "INPUT", match: [] }, { chain: "OUTPUT", match: [] }], rules });
    const target = peers.addresses[0]!;
    const probe = await probeConnect(target, ports.gossip, connectProbeMs);
    const cut = probe.result === "timed-out" || probe.result === "blocked";
    const probeLine = `tcp connect ${target}:${ports.gossip}: ${probe.result} after ${Math.round(probe.ms)} ms`;
    if (!cut) throw new Error(`partition not effective: ${probeLine} (expected no answer within ${connectProbeMs} ms)`);
    return {
      lines: [...peers.lines, ...lines, probeLine],
      measured: { connectTimedOut: 1, connectProbeMs: probe.ms, peerAddresses: peers.addresses.length, rules: rules.length },
    };
  },
  revert: (ctx) => uninstall(ctx),
};

export const iptablesTransportDowngrade: Mechanism<AgentParams<"transport-downgrade">> = {
  name: "iptables",
  params: agentParams["transport-downgrade"],
  check: (ctx) => checkIptables(ctx, false),
  async apply(ctx) {
    const port = String(ports.data);
    const lines = await install(ctx, {
      hooks: [{ chain: "INPUT", match: [] }, { chain: "OUTPUT", match: [] }],
      rules: [
        ["-p", "udp", "--dport", port, "-j", "DROP"],
        ["-p", "udp", "--sport", port, "-j", "DROP"],
      ],
    });
    // Loopback crosses OUTPUT too: a datagram to our own data port must now be refused.
    const dropped = await probeUdpDrops("127.0.0.1", ports.data, 1);
    const probeLine = `udp 127.0.0.1:${port}: ${dropped === 1 ? "dropped (EPERM)" : "sent"}`;
    if (dropped !== 1) throw new Error(`transport downgrade not effective: ${probeLine}`);
    return { lines: [...lines, probeLine], measured: { udpBlocked: 1 } };
  },
  revert: (ctx) => uninstall(ctx),
};

export const iptablesPacketLoss: Mechanism<AgentParams<"packet-loss">> = {
  name: "iptables-statistic",
  params: agentParams["packet-loss"],
  check: (ctx) => checkIptables(ctx, true),
  async apply(ctx, params): Promise<Evidence> {
    const probability = (params.lossPct / 100).toFixed(6);
    const peers = params.peers.length > 0 ? await resolvePeers(params.peers) : null;
    const drop = ["-m", "statistic", "--mode", "random", "--probability", probability, "-j", "DROP"];
    const rules: string[][] = [
      // The runner must still reach the agent to renew and revert.
      ["-p", "tcp", "--sport", String(agentApi.port), "-j", "RETURN"],
      ...(peers ? peers.addresses.map((ip) => ["-d", `${ip}/32`, ...drop]) : [drop]),
    ];
    // Egress only, and not loopback: like netem on the node's interface.
    const lines = await install(ctx, { hooks: [{ chain: "OUTPUT", match: ["!", "-o", "lo"] }], rules });
    if (!peers) {
      return { lines: [...lines, "loss not measured: no peer given, and probes go only to the fault's own peers"], measured: {} };
    }
    const target = peers.addresses[0]!;
    const dropped = await probeUdpDrops(target, lossProbePort, lossProbes);
    const lossRatio = dropped / lossProbes;
    const expected = (params.lossPct / 100) * lossProbes;
    const probeLine = `udp ${target}:${lossProbePort}: ${dropped}/${lossProbes} dropped (${(lossRatio * 100).toFixed(1)} %, configured ${params.lossPct} %)`;
    // Only a loss far from the configured share is a failure: 0 drops where ≥ 10 were expected is p < 5e-5.
    if (expected >= 10 && dropped === 0) throw new Error(`packet loss not effective: ${probeLine}`);
    return { lines: [...(peers?.lines ?? []), ...lines, probeLine], measured: { lossRatio, lossProbes } };
  },
  revert: (ctx) => uninstall(ctx),
};
