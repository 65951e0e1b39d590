// Two network namespaces joined by a veth pair, made by the test and deleted after it: `a`
// (192.0.2.1, default route via b) and `b` (192.0.2.2 and 192.0.2.3). Addresses are TEST-NET-1 and
// exist only inside these namespaces, so test traffic never leaves them.

import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { execa } from "execa";

export interface NetnsPair {
  readonly a: string;
  readonly b: string;
  readonly devA: string;
  readonly addrA: string;
  readonly addrB: string;
  /** A second address on b: traffic to it can be told apart from traffic to addrB. */
  readonly addrB2: string;
  /** Runs a command in a namespace; throws with its stderr when it fails. */
  readonly exec: (ns: string, file: string, args: readonly string[]) => Promise<string>;
  readonly remove: () => Promise<void>;
}

const sh = async (file: string, args: readonly string[]): Promise<string> => {
  const r = await execa(file, args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`${[file, ...args].join(" ")} failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
};

export async function createNetnsPair(): Promise<NetnsPair> {
  const id = randomBytes(3).toString("hex");
  const a = `mkt-${id}-a`;
  const b = `mkt-${id}-b`;
  const devA = `mkt${id}a`;
  const devB = `mkt${id}b`;
  const exec = (ns: string, file: string, args: readonly string[]) => sh("ip", ["netns", "exec", ns, file, ...args]);
  const remove = async (): Promise<void> => {
    // Deleting a namespace deletes its end of the veth, and with it the other end.
    await execa("ip", ["netns", "del", a], { reject: false });
    await execa("ip", ["netns", "del", b], { reject: false });
  };
  try {
    await sh("ip", ["netns", "add", a]);
    await sh("ip", ["netns", "add", b]);
    await sh("ip", ["link", "add", devA, "netns", a, "type", "veth", "peer", "name", devB, "netns", b]);
    await exec(a, "ip", ["addr", "add", "192.0.2.1/24", "dev", devA]);
    await exec(b, "ip", ["addr", "add", "192.0.2.2/24", "dev", devB]);
    await exec(b, "ip", ["addr", "add", "192.0.2.3/24", "dev", devB]);
    for (const [ns, dev] of [[a, devA], [b, devB]] as const) {
      await exec(ns, "ip", ["link", "set", "lo", "up"]);
      await exec(ns, "ip", ["link", "set", dev, "up"]);
    }
    await exec(a, "ip", ["route", "add", "default", "via", "192.0.2.2"]);
  } catch (e) {
    await remove();
    throw new Error(`cannot create test network namespaces (needs root and ip netns): ${(e as Error).message}`);
  }
  return { a, b, devA, addrA: "192.0.2.1", addrB: "192.0.2.2", addrB2: "192.0.2.3", exec, remove };
}

/** iptables rules and qdiscs of a namespace, counters stripped: equal before and after a clean revert. */
export async function kernelState(pair: NetnsPair, ns: string): Promise<string> {
  const rules = (await pair.exec(ns, "iptables-save", []))
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ""));
  const qdiscs = await pair.exec(ns, "tc", ["qdisc", "show"]);
  return [...rules, "--", qdiscs].join("\n");
}

export interface PingResult {
  readonly sent: number;
  readonly received: number;
  readonly lossRatio: number;
  readonly rttsMs: number[];
}

/** `ping` from `ns` (optionally from source address `from`); every reply's RTT and the loss ratio. */
export async function ping(pair: NetnsPair, ns: string, to: string, opts: { count: number; intervalS: number; from?: string }): Promise<PingResult> {
  const args = ["-n", "-c", String(opts.count), "-i", String(opts.intervalS), "-W", "2", ...(opts.from ? ["-I", opts.from] : []), to];
  const r = await execa("ip", ["netns", "exec", ns, "ping", ...args], { reject: false });
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (!summary) throw new Error(`ping ${args.join(" ")} in ${ns} printed no summary (exit ${r.exitCode}): ${r.stderr || r.stdout}`);
  const sent = Number(summary[1]);
  const received = Number(summary[2]);
  const rttsMs = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  return { sent, received, lossRatio: (sent - received) / sent, rttsMs };
}

export const medianOf = (xs: readonly number[]): number => {
  if (xs.length === 0) throw new Error("median of no samples");
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * meshkit-netdelay processes running in network namespace `ns` (matched by namespace inode, so tests
 * running in parallel in other namespaces never count), as "pid: command line".
 */
export function delayersIn(ns: string): string[] {
  const inode = statSync(`/run/netns/${ns}`).ino;
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
        if (!argv[0]?.endsWith("meshkit-netdelay")) return [];
        return readlinkSync(`/proc/${d}/ns/net`) === `net:[${inode}]` ? [`${d}: ${argv.join(" ").trim()}`] : [];
      } catch {
        return [];
      }
    });
}
