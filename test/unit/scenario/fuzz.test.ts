// Fuzzing the loader with malformed scenario files made from the samples: keys deleted or renamed,
// values of the wrong type, random bytes, truncation. Every file must come back as data (no throw),
// every malformed one with at least one problem that has a position inside the file and says what
// was expected; and loading applies nothing (no request leaves the process).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import { parseScenarioText, type ScenarioLoad } from "../../../runner/scenario/load.ts";
import { defaultScenarioDir } from "../../../runner/scenario/catalog.ts";

const samples = readdirSync(defaultScenarioDir)
  .filter((f) => f.endsWith(".yaml") && f !== "policy.yaml")
  .map((f) => ({ file: f, text: readFileSync(join(defaultScenarioDir, f), "utf8") }));

/** Seeded PRNG (mulberry32): the same seed gives the same files, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Path = (string | number)[];
interface Spot {
  readonly path: Path;
  readonly node: Node;
  /** Parent mapping key (for pairs) — what the key means depends on where it sits. */
  readonly key?: string;
}

/** Every node of a document with its path. */
function spots(doc: Document): Spot[] {
  const out: Spot[] = [];
  const walk = (node: unknown, path: Path): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (pair.value) out.push({ path: [...path, key], node: pair.value as Node, key });
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        out.push({ path: [...path, i], node: item as Node });
        walk(item, [...path, i]);
      });
    }
  };
  walk(doc.contents, []);
  return out;
}


/** Keys a scenario cannot do without, by where they sit (the last path parts, `#` = any index). */
const requiredKeys: readonly RegExp[] = [
  /^(apiVersion|kind|metadata|steadyState|steps)$/,
  /^metadata\/(name|version|owner|description)$/,
  /^steadyState\/probes$/,
  /^steadyState\/probes\/#\/(name|query|threshold)$/,
  /^steadyState\/probes\/#\/(threshold|abort)\/(op|value)$/,
  /^steps\/#\/(fault|pause|waitUntil|parallel)$/,
  /^steps\/#\/parallel\/#\/(fault|duration)$/,
  /^steps\/#\/waitUntil\/(probe|timeout)$/,
  /^slos\/#\/(name|kind|within)$/,
];
const generic = (p: Path): string => p.map((x) => (typeof x === "number" ? "#" : x)).join("/");

type Mutation = "delete-required" | "rename-key" | "scalar-to-mapping" | "collection-to-number" | "random-bytes" | "truncate";
/** These always make a file invalid; random bytes and truncation may by chance leave a valid file. */
const alwaysInvalid: ReadonlySet<Mutation> = new Set(["delete-required", "rename-key", "scalar-to-mapping", "collection-to-number"]);

function mutate(text: string, kind: Mutation, next: () => number): string | null {
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(next() * xs.length)];
  if (kind === "random-bytes") {
    const at = Math.floor(next() * text.length);
    const bytes = Array.from({ length: 1 + Math.floor(next() * 8) }, () => String.fromCharCode(Math.floor(next() * 256))).join("");
    return text.slice(0, at) + bytes + text.slice(at);
  }
  if (kind === "truncate") return text.slice(0, Math.floor(next() * text.length));
  const doc = parseDocument(text);
  const all = spots(doc);
  switch (kind) {
    case "delete-required": {
      const spot = pick(all.filter((s) => s.key !== undefined && requiredKeys.some((r) => r.test(generic(s.path)))));
      if (!spot) return null;
      // A fault step's fault/duration and a top-level step's single key are required in their branch.
      doc.deleteIn(spot.path);
      return String(doc);
    }
    case "rename-key": {
      const spot = pick(all.filter((s) => s.key !== undefined));
      if (!spot) return null;
      const value = doc.getIn(spot.path, true);
      const parent = spot.path.slice(0, -1);
      doc.deleteIn(spot.path);
      const renamed = `${spot.key}_${Math.floor(next() * 1e6).toString(36)}`;
      if (parent.length === 0) doc.set(renamed, value);
      else doc.setIn([...parent, renamed], value);
      return String(doc);
    }
    case "scalar-to-mapping": {
      const spot = pick(all.filter((s) => isScalar(s.node)));
      if (!spot) return null;
      doc.setIn(spot.path, doc.createNode({ unexpected: 1 }));
      return String(doc);
    }
    case "collection-to-number": {
      // Not inside params: a kind's list parameter may take a single value.
      const spot = pick(all.filter((s) => (isMap(s.node) || isSeq(s.node)) && !s.path.includes("params")));
      if (!spot) return null;
      doc.setIn(spot.path, 42);
      return String(doc);
    }
  }
}

const kinds: readonly Mutation[] = ["delete-required", "rename-key", "scalar-to-mapping", "collection-to-number", "random-bytes", "truncate"];

describe("fuzzing the scenario loader with malformed files", () => {
  const requests: string[] = [];
  beforeAll(() => {
    vi.stubGlobal("fetch", (url: unknown) => {
      requests.push(String(url));
      throw new Error("the loader must not make requests");
    });
  });
  afterAll(() => {
    vi.unstubAllGlobals();
  });

  it("has samples to mutate, and every sample loads clean", () => {
    expect(samples.length).toBeGreaterThanOrEqual(8);
    for (const s of samples) expect(parseScenarioText(s.text, s.file).ok, s.file).toBe(true);
  });

  it("answers 1,500 generated files without a throw; every malformed one has positioned, explained problems", () => {
    const next = rng(20_260_801);
    const tally: Record<string, { made: number; invalid: number }> = {};
    let invalid = 0;
    let made = 0;
    for (let i = 0; made < 1_500 && i < 10_000; i++) {
      const sample = samples[i % samples.length]!;
      const kind = kinds[Math.floor(next() * kinds.length)]!;
      const text = mutate(sample.text, kind, next);
      if (text === null || text === sample.text) continue;
      made++;
      const name = `fuzz-${made}-${kind}-${sample.file}`;
      let load: ScenarioLoad;
      try {
        load = parseScenarioText(text, name);
      } catch (e) {
        throw new Error(`${name}: the loader threw ${(e as Error).stack}\n--- file ---\n${text}`);
      }
      const t = (tally[kind] ??= { made: 0, invalid: 0 });
      t.made++;
      if (load.ok) {
        if (alwaysInvalid.has(kind)) throw new Error(`${name}: a ${kind} mutation was accepted\n--- file ---\n${text}`);
        // A lucky byte in a comment or a description: still a full, typed result.
        expect(load.scenarios.length).toBeGreaterThan(0);
        continue;
      }
      t.invalid++;
      invalid++;
      const lines = text.split("\n").length;
      expect(load.problems.length, name).toBeGreaterThan(0);
      for (const p of load.problems) {
        expect(p.file, name).toBe(name);
        expect(p.line, `${name}: ${JSON.stringify(p)}`).toBeGreaterThanOrEqual(1);
        expect(p.line, `${name}: ${JSON.stringify(p)}`).toBeLessThanOrEqual(lines + 1);
        expect(p.column, `${name}: ${JSON.stringify(p)}`).toBeGreaterThanOrEqual(1);
        expect(typeof p.path, name).toBe("string");
        // Says what was wrong and what was expected, not zod's bare "Invalid input".
        expect(p.message.length, `${name}: ${p.message}`).toBeGreaterThan(12);
        expect(p.message, `${name}: ${p.message}`).not.toMatch(/^Invalid input$/);
        expect(p.message, `${name}: ${p.message}`).not.toMatch(/\[object Object\]|\bundefined\b|\bNaN\b/);
      }
    }
    console.info(`fuzz: ${made} files, ${invalid} malformed with problems; by mutation ${JSON.stringify(tally)}`);
    expect(made).toBe(1_500);
    expect(invalid, JSON.stringify(tally)).toBeGreaterThanOrEqual(1_000);
    for (const kind of kinds) expect(tally[kind]?.made ?? 0, `${kind} mutations made`).toBeGreaterThan(100);
    expect(requests).toEqual([]);
  });

  it("loads the same text to the same answer twice (nothing is remembered or applied between loads)", () => {
    const next = rng(7);
    for (let i = 0; i < 50; i++) {
      const sample = samples[i % samples.length]!;
      const text = mutate(sample.text, kinds[i % kinds.length]!, next) ?? sample.text;
      expect(JSON.stringify(parseScenarioText(text, "again.yaml"))).toBe(JSON.stringify(parseScenarioText(text, "again.yaml")));
    }
  });
});
