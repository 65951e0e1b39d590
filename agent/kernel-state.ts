// A normalized snapshot of the kernel state faults change: every iptables table, the qdiscs and the
// nftables ruleset. Taken before apply (kept in the journal) and after revert; equal snapshots are
// the core's evidence that a revert left the kernel as it found it. Counters and timestamps are
// stripped, because packets flow between the two snapshots.

import type { CommandResult } from "./exec.ts";

type Runner = (file: string, args: readonly string[]) => Promise<CommandResult>;

/**
 * iptables-save without comments and counters, and without a table that holds nothing but empty
 * accept-policy base chains: such a table filters nothing, and whether it is listed depends on which
 * iptables call first touched it (a pod's namespace has no nat table until a fault's REDIRECT rule made
 * one; Docker's always has its embedded-DNS rules), not on any fault.
 */
export const normalizeIptables = (s: string): string =>
  s
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ""))
    .join("\n")
    .replace(/^\*\S+\n(?::\S+ ACCEPT\n)*COMMIT$\n?/gm, "");

const normalizeNft = (s: string): string =>
  s
    .split("\n")
    .map((l) => l.replace(/counter packets \d+ bytes \d+/g, "counter"))
    // iptables-nft's own tables carry a warning line whose wording varies between versions.
    .filter((l) => !/managed by iptables-nft/.test(l))
    .join("\n")
    // An empty base chain with an accept policy, and a table without chains, filter nothing: whether
    // one exists depends on which iptables call first touched the table (ours, Docker's, a user's),
    // not on any fault, so they are left out of the comparison.
    .replace(/^\s*chain \S+ \{\n\s*type [^\n]* policy accept;\n\s*\}\n/gm, "")
    .replace(/^table [^\n]+ \{\n\}\n?/gm, "");

/** Section name, command and normalizer; a command that is missing or fails becomes a noted section. */
const sections: readonly [string, string, readonly string[], (s: string) => string][] = [
  ["iptables", "iptables-save", [], normalizeIptables],
  ["qdisc", "tc", ["qdisc", "show"], (s) => s],
  ["nft", "nft", ["list", "ruleset"], normalizeNft],
];

export async function snapshotKernel(run: Runner): Promise<string> {
  const parts = await Promise.all(
    sections.map(async ([name, file, args, normalize]) => {
      const r = await run(file, args);
      const body = r.ok ? normalize(r.stdout) : `(unavailable: ${r.missing ? `${file} not found` : r.stderr.split("\n")[0]})`;
      return `## ${name}\n${body.trim()}`;
    }),
  );
  return `${parts.join("\n")}\n`;
}

export interface KernelDiff {
  /** Lines present after but not before. */
  readonly added: string[];
  /** Lines present before but not after. */
  readonly removed: string[];
}

/** Line-multiset difference, each line prefixed with its section (`iptables: -A INPUT ...`). */
export function diffKernel(before: string, after: string): KernelDiff {
  const count = (snapshot: string): Map<string, number> => {
    const m = new Map<string, number>();
    let section = "";
    for (const line of snapshot.split("\n")) {
      if (line.startsWith("## ")) {
        section = line.slice(3);
        continue;
      }
      if (line.trim() === "") continue;
      const key = `${section}: ${line}`;
      m.set(key, (m.get(key) ?? 0) + 1);
    }
    return m;
  };
  const b = count(before);
  const a = count(after);
  const minus = (x: Map<string, number>, y: Map<string, number>): string[] =>
    [...x].flatMap(([line, n]) => Array<string>(Math.max(0, n - (y.get(line) ?? 0))).fill(line));
  return { added: minus(a, b), removed: minus(b, a) };
}
