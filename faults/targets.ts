// Target selectors: which nodes a fault acts on. A selector is a comma-separated list of items:
//   node-2               a node by name
//   all                  every node
//   count:N              N nodes picked at random
//   percent:P            ceil(P % of the nodes), at least one, picked at random
//   role:leader          the current leader of the default scope (global-control)
//   role:leader:<scope>  the current leader of <scope>
// Items are resolved independently and united. Random picks are a function of (seed, item, node), so a
// dry-run and the run with the same seed pick the same nodes.

import { createHash } from "node:crypto";
import { defaultLeadershipScope } from "../contract/meshkit.ts";
import { registryName } from "../components/model/build.ts";
import { FaultInputError } from "./errors.ts";

/** What a plan needs to know of the environment: its nodes and who leads each scope right now. */
export interface Topology {
  readonly nodes: readonly string[];
  /** Leader node of each known scope; null while a scope has no leader. */
  readonly leaders: Readonly<Record<string, string | null>>;
  /** Host name of the registry on the environment network (default `registry`). */
  readonly registry?: string;
}

export type TargetItem =
  | { readonly type: "node"; readonly name: string }
  | { readonly type: "all" }
  | { readonly type: "count"; readonly count: number }
  | { readonly type: "percent"; readonly percent: number }
  | { readonly type: "leader"; readonly scope: string };

export class TargetError extends FaultInputError {
  override readonly name = "TargetError";
}

export const registryHost = (topology: Topology): string => topology.registry ?? registryName;

const nodeNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const syntax = "expected a node name, all, count:N, percent:P, role:leader or role:leader:<scope>";

/** Parses a selector without looking at an environment; throws TargetError on bad syntax. */
export function parseTargets(text: string, what = "target"): TargetItem[] {
  const items = text.split(",").map((s) => s.trim());
  if (text.trim() === "" || items.some((s) => s === "")) {
    throw new TargetError(`${what} '${text}' has an empty item; ${syntax}, comma-separated`);
  }
  return items.map((item) => parseItem(item, what));
}

function parseItem(item: string, what: string): TargetItem {
  if (item === "all") return { type: "all" };
  const count = /^count:(.*)$/.exec(item);
  if (count) {
    const n = Number(count[1]);
    if (!/^\d+$/.test(count[1] ?? "") || n < 1) throw new TargetError(`${what} ${item}: expected count:N with N a whole number ≥ 1`);
    return { type: "count", count: n };
  }
  const percent = /^percent:(.*)$/.exec(item);
  if (percent) {
    const p = Number(percent[1]);
    if (!/^\d+(\.\d+)?$/.test(percent[1] ?? "")) throw new TargetError(`${what} ${item}: expected percent:P with P a number in 1..100`);
    if (p < 1 || p > 100) throw new TargetError(`${what} ${item} out of range 1..100`);
    return { type: "percent", percent: p };
  }
  if (item === "role:leader") return { type: "leader", scope: defaultLeadershipScope };
  const leader = /^role:leader:(.+)$/.exec(item);
  if (leader) return { type: "leader", scope: leader[1] as string };
  if (item.startsWith("role:")) throw new TargetError(`${what} ${item}: the only role is leader (role:leader or role:leader:<scope>)`);
  if (item.includes(":") || !nodeNamePattern.test(item)) throw new TargetError(`${what} '${item}' is not understood: ${syntax}`);
  return { type: "node", name: item };
}

export interface ResolveOptions {
  /** Word used in errors: "target", "peer". */
  readonly what?: string;
  /** Allow the registry by name (peers of a partition or of a latency filter). */
  readonly allowRegistry?: boolean;
  /** Nodes that may not be chosen (the other group of a partition); named ones are an error. */
  readonly exclude?: readonly string[];
}

/**
 * Resolves a selector against a topology. The result is in topology order (the registry last) and
 * never empty. Throws TargetError naming the item and what the environment has.
 */
export function resolveTargets(
  text: string,
  topology: Topology,
  seed: string | number,
  options: ResolveOptions = {},
): string[] {
  const what = options.what ?? "target";
  const exclude = new Set(options.exclude ?? []);
  const registry = registryHost(topology);
  const pool = topology.nodes.filter((n) => !exclude.has(n));
  const chosen = new Set<string>();
  for (const item of parseTargets(text, what)) {
    for (const name of resolveItem(item, { topology, pool, registry, seed, what, options })) {
      if (exclude.has(name)) {
        throw new TargetError(`${what} ${name} is also in the other group (${[...exclude].join(", ")}); the two groups must not overlap`);
      }
      chosen.add(name);
    }
  }
  const order = [...topology.nodes, registry];
  return order.filter((n) => chosen.has(n));
}

interface ItemContext {
  readonly topology: Topology;
  readonly pool: readonly string[];
  readonly registry: string;
  readonly seed: string | number;
  readonly what: string;
  readonly options: ResolveOptions;
}

function resolveItem(item: TargetItem, c: ItemContext): string[] {
  switch (item.type) {
    case "node": {
      if (c.topology.nodes.includes(item.name)) return [item.name];
      if (c.options.allowRegistry && item.name === c.registry) return [item.name];
      const known = c.options.allowRegistry ? [...c.topology.nodes, c.registry] : c.topology.nodes;
      const hint = !c.options.allowRegistry && item.name === c.registry ? `; the registry cannot be a ${c.what} of this fault` : "";
      throw new TargetError(`${c.what} ${item.name} is not in the environment (nodes: ${known.join(", ")})${hint}`);
    }
    case "all":
      if (c.pool.length === 0) throw new TargetError(`${c.what} all: no node is left to choose`);
      return [...c.pool];
    case "count": {
      if (item.count > c.pool.length) {
        throw new TargetError(`${c.what} count:${item.count} but only ${c.pool.length} node(s) can be chosen (${c.pool.join(", ") || "none"})`);
      }
      return pick(c.pool, item.count, `count:${item.count}`, c.seed);
    }
    case "percent": {
      if (c.pool.length === 0) throw new TargetError(`${c.what} percent:${item.percent}: no node is left to choose`);
      const n = Math.max(1, Math.ceil((item.percent / 100) * c.pool.length));
      return pick(c.pool, n, `percent:${item.percent}`, c.seed);
    }
    case "leader": {
      const scopes = Object.keys(c.topology.leaders);
      if (!(item.scope in c.topology.leaders)) {
        throw new TargetError(
          `role:leader:${item.scope}: scope ${item.scope} is not known (scopes: ${scopes.join(", ") || "none reported"})`,
        );
      }
      const leader = c.topology.leaders[item.scope];
      if (!leader) throw new TargetError(`role:leader: scope ${item.scope} has no leader right now; wait for an election and retry`);
      if (!c.topology.nodes.includes(leader)) {
        throw new TargetError(`role:leader: the leader of ${item.scope} is ${leader}, which is not a node of the environment (nodes: ${c.topology.nodes.join(", ")})`);
      }
      return [leader];
    }
  }
}

/** A deterministic sample: nodes ordered by sha256(seed, item, node), first n. */
function pick(pool: readonly string[], n: number, item: string, seed: string | number): string[] {
  const ranked = pool.map((node) => ({
    node,
    rank: createHash("sha256").update(`${String(seed)}\0${item}\0${node}`).digest("hex"),
  }));
  ranked.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  return ranked.slice(0, n).map((r) => r.node);
}

/** The leader scope a selector names, if it is exactly one role:leader item. */
export function leaderScopeOf(text: string): string | null {
  const items = parseTargets(text);
  const only = items.length === 1 ? items[0] : undefined;
  return only?.type === "leader" ? only.scope : null;
}
