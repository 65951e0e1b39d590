// The root qdisc of the interface that carries the default route: where netem and tbf go. A fault
// owns the root only when the kernel default is there (handle 0:), and its own handle is derived from
// the fault id, so a revert deletes exactly its own qdisc and never one a user or another fault set.

import { createHash } from "node:crypto";
import type { CommandResult } from "../exec.ts";
import { defaultRoute } from "./rtt-probe.ts";

type Runner = (file: string, args: readonly string[]) => Promise<CommandResult>;

/** `8abc:`-style major handle from the fault id, in 0x1000..0xefff (tc prints it without zeros). */
export function qdiscHandle(faultId: string): string {
  const n = createHash("sha256").update(faultId).digest().readUInt16BE(0);
  return `${(0x1000 + (n % 0xe000)).toString(16)}:`;
}

export interface RootQdisc {
  readonly kind: string;
  readonly handle: string;
  readonly line: string;
}

/** The `qdisc … root …` line of `tc qdisc show dev <dev>`, null when the device has none listed. */
export async function rootQdisc(run: Runner, dev: string): Promise<RootQdisc | null> {
  const r = await run("tc", ["qdisc", "show", "dev", dev, "root"]);
  if (!r.ok) throw new Error(`tc qdisc show dev ${dev}: ${r.stderr || "failed"}`);
  const line = r.stdout.split("\n").find((l) => / root\b/.test(l));
  const m = line ? /^qdisc (\S+) (\S+) root/.exec(line) : null;
  return m && line ? { kind: m[1]!, handle: m[2]!, line } : null;
}

/** The interface carrying the default route; throws naming what is missing. */
export async function egressInterface(run: Runner): Promise<string> {
  const route = await defaultRoute(run);
  if (!route) throw new Error("no IPv4 default route in this network namespace, so there is no egress interface to shape (ip -4 route show default is empty)");
  return route.dev;
}

/** Throws unless the root is the kernel default (handle 0:) or already this fault's own handle. */
export function assertRootFree(root: RootQdisc | null, dev: string, handle: string): void {
  if (root === null || root.handle === "0:" || root.handle === handle) return;
  throw new Error(
    `${dev} already has a root qdisc that is not the kernel default and not this fault's (${root.line}); revert the fault that set it (or remove it: tc qdisc del dev ${dev} root) and apply again`,
  );
}

/** Deletes the root qdisc only when it carries `handle`; returns the root left behind. */
export async function deleteOwnRoot(run: Runner, dev: string, handle: string): Promise<RootQdisc | null> {
  const root = await rootQdisc(run, dev);
  if (root?.handle === handle) {
    const del = await run("tc", ["qdisc", "del", "dev", dev, "root", "handle", handle]);
    if (!del.ok) throw new Error(`tc qdisc del dev ${dev} root handle ${handle}: ${del.stderr}`);
  }
  return rootQdisc(run, dev);
}
