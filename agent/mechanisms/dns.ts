// `dns-responder`: the dns-failure fault. The node resolves through the nameserver in its resolv.conf
// (on Docker, the embedded DNS at 127.0.0.11:53, which Docker reaches by DNAT rules in the nat table of
// the container's namespace). The agent starts a DNS responder on 127.0.0.1 (agent/dns-responder.ts)
// and inserts, at the top of nat OUTPUT, tagged rules redirecting UDP and TCP port 53 to that
// nameserver into the responder. Matching names get NXDOMAIN / SERVFAIL / no answer; other queries are
// forwarded to the same nameserver from one UDP port the rule exempts, so they follow Docker's own
// rules as before. Resolvers that reuse one UDP socket keep their old NAT binding until conntrack
// forgets it (30 s idle); getaddrinfo (the node's lookups) opens a fresh socket per query.
//
// Verified active by resolving, from inside the namespace, a matching name (the configured failure, and
// the responder saw it) and a non-matching one (answered as before, through the responder); verified
// reverted by the same queries answered as before the fault and the nat table equal to its snapshot.

import * as dgram from "node:dgram";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import dnsPacket from "dns-packet";
import { DnsResponder, namePattern } from "../dns-responder.ts";
import { type AgentParams, agentParams } from "../params.ts";
import type { Evidence } from "../protocol.ts";
import type { Mechanism, MechanismContext } from "./mechanism.ts";

type Params = AgentParams<"dns-failure">;

export const resolvConfPath = "/etc/resolv.conf";
const PROBE_TIMEOUT_MS = 1000;
/** In timeout mode the responder has counted the probe long before this; the wait only shows no answer came. */
const SILENCE_MS = 400;
const DOCKER_DNS = "127.0.0.11";

/** Responders of the faults this agent process holds (a restarted agent has none: revert removes rules only). */
const responders = new Map<string, DnsResponder>();

interface Recorded {
  readonly iptables?: string;
  readonly natBefore?: string;
  readonly probes?: { readonly matching: string; readonly matchingBefore: string; readonly passing: string | null; readonly passingBefore: string | null };
}

/** IPv4 nameservers of a resolv.conf. */
export function nameserversOf(resolvConf: string): string[] {
  return [...resolvConf.matchAll(/^\s*nameserver\s+(\d{1,3}(?:\.\d{1,3}){3})\s*$/gm)].map((m) => m[1]!);
}

const normalizeSave = (save: string): string =>
  save
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#") && !/^# Warning|legacy tables present/.test(l))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ""))
    .join("\n");

const saveOf = (iptables: string): string => `${iptables}-save`;

/**
 * The iptables front end whose nat table holds Docker's DNS rules: redirecting in the other one would
 * race Docker's DNAT at the same hook priority.
 */
async function chooseIptables(ctx: MechanismContext, nameservers: readonly string[]): Promise<string> {
  if (!nameservers.includes(DOCKER_DNS)) return "iptables";
  const own = await ctx.run("iptables-save", ["-t", "nat"]);
  if (own.ok && own.stdout.includes("DOCKER_OUTPUT")) return "iptables";
  const other = ctx.capabilities.iptables.backend === "legacy" ? "iptables-nft" : "iptables-legacy";
  const o = await ctx.run(saveOf(other), ["-t", "nat"]);
  return o.ok && o.stdout.includes("DOCKER_OUTPUT") ? other : "iptables";
}

async function natTable(ctx: MechanismContext, iptables: string): Promise<string> {
  const r = await ctx.run(saveOf(iptables), ["-t", "nat"]);
  if (!r.ok) throw new Error(`${r.command} failed: ${r.stderr.split("\n")[0]}`);
  return r.stdout;
}

const taggedRules = (save: string, tag: string): string[] =>
  save.split("\n").filter((l) => l.startsWith("-A ") && new RegExp(`--comment "?${tag}"?( |$)`).test(l));

/** One DNS question over UDP, from a fresh socket: the answer's rcode, `timeout` or `refused`. */
export async function probeDns(server: string, name: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string> {
  const socket = dgram.createSocket("udp4");
  try {
    return await new Promise<string>((resolve) => {
      const id = Math.floor(Math.random() * 0x10000);
      const timer = setTimeout(() => resolve("timeout"), timeoutMs);
      socket.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(e.code === "ECONNREFUSED" ? "refused" : `error ${e.code ?? e.message}`);
      });
      socket.on("message", (msg) => {
        try {
          const a = dnsPacket.decode(msg);
          if (a.id !== id) return;
          clearTimeout(timer);
          resolve((a as { rcode?: string }).rcode ?? "NOERROR"); // decoded by dns-packet, missing from its types
        } catch {
          // not an answer to us
        }
      });
      socket.connect(53, server, () =>
        socket.send(dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name }] })),
      );
    });
  } finally {
    socket.close();
  }
}

const expectedOutcome = { nxdomain: "NXDOMAIN", servfail: "SERVFAIL", timeout: "timeout" } as const;

/** Names to probe with: one the fault matches and, unless every name matches, one it does not. */
function probeNames(ctx: MechanismContext, params: Params): { matching: string; passing: string | null } {
  const patterns = params.names.map(namePattern);
  const hit = (n: string) => patterns.some((p) => p.test(n));
  const known = [ctx.nodeId, hostname(), "registry", "localhost"];
  const concrete = params.names.map((n) => n.replaceAll("*", "mkc-probe").replace(/^\.+|\.+$/g, "") || "mkc-probe");
  return {
    matching: [...known, ...concrete].find(hit) ?? concrete[0]!,
    passing: [...known, "mkc-probe.invalid"].find((n) => !hit(n)) ?? null,
  };
}

function ruleArgs(action: "-I" | "-D", ns: string, proto: "udp" | "tcp", exemptPort: number, listenPort: number, tag: string): string[] {
  return [
    "-t",
    "nat",
    ...(action === "-I" ? ["-I", "OUTPUT", "1"] : ["-D", "OUTPUT"]),
    "-d",
    `${ns}/32`,
    "-p",
    proto,
    "-m",
    proto,
    // Forwarded queries leave from the responder's upstream port and must reach the real resolver.
    ...(proto === "udp" ? ["!", "--sport", String(exemptPort)] : []),
    "--dport",
    "53",
    "-m",
    "comment",
    "--comment",
    tag,
    "-j",
    "REDIRECT",
    "--to-ports",
    String(listenPort),
  ];
}

export const dnsResponder: Mechanism<Params> = {
  name: "dns-responder",
  params: agentParams["dns-failure"],

  check(ctx) {
    const missing: string[] = [];
    if (!ctx.capabilities.netAdmin) {
      missing.push("NET_ADMIN: the redirect of DNS queries is an iptables nat rule; add --cap-add NET_ADMIN to the agent sidecar");
    }
    if (!ctx.capabilities.iptables.available) {
      missing.push("iptables: not usable in the agent (see GET /v1/capabilities notes); install iptables in the agent image and grant NET_ADMIN");
    }
    return missing;
  },

  async apply(ctx, params) {
    const busy = [...responders.keys()].find((id) => id !== ctx.id);
    if (busy) throw new Error(`dns-failure ${busy} is already active on ${ctx.nodeId}; revert it first (one DNS fault per node)`);
    const nameservers = nameserversOf(await readFile(resolvConfPath, "utf8").catch(() => ""));
    if (nameservers.length === 0) throw new Error(`no IPv4 nameserver in ${resolvConfPath}: the node resolves no name through DNS here`);
    const server = nameservers[0]!;
    const iptables = await chooseIptables(ctx, nameservers);
    const natBefore = normalizeSave(await natTable(ctx, iptables));
    const names = probeNames(ctx, params);
    const [matchingBefore, passingBefore] = await Promise.all([
      probeDns(server, names.matching),
      names.passing === null ? null : probeDns(server, names.passing),
    ]);
    const probes = { ...names, matchingBefore, passingBefore };

    const responder = new DnsResponder({ mode: params.mode, names: params.names, upstream: { host: server, port: 53 } });
    await responder.start();
    responders.set(ctx.id, responder);
    await ctx.record({ iptables, natBefore, probes, listenPort: responder.listenPort, upstreamPort: responder.upstreamPort } satisfies Recorded & Record<string, unknown>);
    for (const ns of nameservers) {
      for (const proto of ["udp", "tcp"] as const) {
        const r = await ctx.run(iptables, ruleArgs("-I", ns, proto, responder.upstreamPort, responder.listenPort, ctx.tag));
        if (!r.ok) throw new Error(`${r.command}: ${r.stderr.split("\n")[0]}`);
      }
    }

    const rules = taggedRules(await natTable(ctx, iptables), ctx.tag);
    const lines = [...rules.map((l) => `${iptables} -t nat ${l}`), `responder on 127.0.0.1:${responder.listenPort} (udp+tcp), forwarding to ${server}:53`];
    const seen = responder.counts.matched;
    const matchingNow = await probeDns(server, names.matching, params.mode === "timeout" ? SILENCE_MS : PROBE_TIMEOUT_MS);
    const intercepted = responder.counts.matched > seen;
    lines.push(`${names.matching} (matches): ${matchingNow}${intercepted ? ", from the responder" : ", NOT seen by the responder"} (before: ${matchingBefore})`);
    let ok = rules.length === nameservers.length * 2 && intercepted && matchingNow === expectedOutcome[params.mode];
    const measured: Record<string, number> = { rules: rules.length, probeIntercepted: intercepted ? 1 : 0 };
    if (names.passing !== null) {
      const forwarded = responder.counts.forwarded;
      const passingNow = await probeDns(server, names.passing);
      const through = responder.counts.forwarded > forwarded;
      lines.push(`${names.passing} (does not match): ${passingNow}${through ? ", forwarded" : ", NOT forwarded"} (before: ${passingBefore})`);
      measured.passThroughUnchanged = through && passingNow === passingBefore ? 1 : 0;
      ok &&= measured.passThroughUnchanged === 1;
    }
    if (!ok) throw new Error(`dns-failure (${params.mode}) did not verify on ${ctx.nodeId}: ${lines.join("; ")}`);
    return { lines, measured };
  },

  async revert(ctx) {
    const rec = ctx.recorded() as Recorded;
    const iptables = rec.iptables ?? "iptables";
    const lines: string[] = [];
    let save = await natTable(ctx, iptables);
    for (const rule of taggedRules(save, ctx.tag)) {
      const r = await ctx.run(iptables, ["-t", "nat", "-D", ...rule.split(" ").slice(1)]);
      lines.push(r.ok ? `removed: ${rule}` : `could not remove ${rule}: ${r.stderr.split("\n")[0]}`);
    }
    const responder = responders.get(ctx.id);
    responders.delete(ctx.id);
    await responder?.close();

    save = await natTable(ctx, iptables);
    const left = taggedRules(save, ctx.tag);
    let verified = left.length === 0;
    if (!verified) lines.push(...left.map((l) => `still present: ${l}`));
    if (rec.natBefore !== undefined) {
      const same = normalizeSave(save) === rec.natBefore;
      lines.push(same ? "nat table equal to before the fault" : "nat table differs from before the fault");
      verified &&= same;
    }
    const measured: Record<string, number> = {};
    const server = nameserversOf(await readFile(resolvConfPath, "utf8").catch(() => ""))[0];
    if (rec.probes && server) {
      const now = await probeDns(server, rec.probes.matching);
      const back = now === rec.probes.matchingBefore;
      lines.push(`${rec.probes.matching}: ${now} (before the fault: ${rec.probes.matchingBefore})`);
      measured.resolvesAsBefore = back ? 1 : 0;
      verified &&= back;
    }
    return { lines, measured, verified };
  },
};
