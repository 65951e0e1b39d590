// zod issues -> lint problems a user can act on: the node at fault (the key, for an unknown key), the
// path, what was expected and what was found, with a did-you-mean for misspelled keys and values.
// Unions (a step is a fault, a parallel group, a pause or a wait) are resolved to the branch the
// user evidently meant, so a typo in a fault step is reported as that, not as "invalid input".

import { closest as nearest, distance } from "fastest-levenshtein";
import { z } from "zod";
import type { DocPath, ScenarioProblem } from "./problems.ts";
import type { YamlSource } from "./source.ts";

type Issue = z.core.$ZodIssue;

/**
 * Problems for a zod error of `schema` validating the data at `base` in the source (the whole
 * document by default; a fault step's params for the catalog's parameter schema).
 */
export function zodProblems(error: z.ZodError, schema: z.ZodType, source: YamlSource, base: DocPath = []): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const ctx = { schema, source, base, data: valueAt(source.data, base) };
  for (const issue of error.issues) explain(issue, [], ctx, out);
  return dedupe(out);
}

interface Context {
  readonly schema: z.ZodType;
  readonly source: YamlSource;
  /** Where the validated data sits in the document. */
  readonly base: DocPath;
  readonly data: unknown;
}

function explain(issue: Issue, prefix: DocPath, ctx: Context, out: ScenarioProblem[]): void {
  const rel: DocPath = [...prefix, ...(issue.path as (string | number)[])];
  const path: DocPath = [...ctx.base, ...rel];
  const value = valueAt(ctx.data, rel);
  const source = ctx.source;
  switch (issue.code) {
    case "invalid_union": {
      const branches = issue.errors;
      const chosen = chooseBranch(branches, value);
      if (chosen === "none") {
        const forms = branches.map((b) => describeForm(b, value)).filter((f) => f !== "");
        out.push(source.problem(path, `expected ${unique(forms).join(" or ")}, got ${describe(value)}`));
      } else if (chosen === "ambiguous") {
        const forms = branches.map((b) => `{${missingKeys(b, value).join(", ")}}`);
        out.push(source.problem(path, `expected one of these forms: ${forms.join(" | ")}; got ${describe(value)}`));
      } else {
        for (const i of branches[chosen] ?? []) explain(i, rel, ctx, out);
      }
      return;
    }
    case "unrecognized_keys": {
      const known = knownKeys(ctx.schema, rel, ctx.data);
      for (const key of issue.keys) {
        const guess = known.length > 0 ? nearest(key, known) : undefined;
        const close = guess !== undefined && isClose(key, guess);
        const hint = close ? ` (did you mean '${guess}'?)` : "";
        const expected = known.length > 0 ? `; expected one of: ${known.join(", ")}` : "";
        out.push(source.problem([...path, key], `unknown key '${key}'${hint}${expected}`, { key: true }));
      }
      return;
    }
    case "invalid_type": {
      if (value === undefined && path.length > 0) {
        const key = path[path.length - 1];
        out.push(source.problem(path, `missing required key '${String(key)}' (expected ${article(issue.expected)})`));
      } else {
        // A model's own message (e.g. "expected a duration such as 30s") says more than the type.
        const expected = issue.message.startsWith("Invalid input") ? `expected ${article(issue.expected)}` : issue.message;
        out.push(source.problem(path, `${expected}, got ${describe(value)}`));
      }
      return;
    }
    case "invalid_value": {
      const values = issue.values.map((v) => String(v));
      if (value === undefined && path.length > 0) {
        out.push(source.problem(path, `missing required key '${String(path[path.length - 1])}' (expected ${oneOf(values)})`));
        return;
      }
      const guess = typeof value === "string" && values.length > 1 ? nearest(value, values) : undefined;
      const hint = guess !== undefined && typeof value === "string" && isClose(value, guess) ? ` (did you mean '${guess}'?)` : "";
      out.push(source.problem(path, `expected ${oneOf(values)}, got ${describe(value)}${hint}`));
      return;
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      const word = issue.code === "too_small" ? (inclusive ? "at least" : "more than") : inclusive ? "at most" : "less than";
      const what =
        issue.origin === "array" || issue.origin === "set"
          ? `${word} ${String(bound)} item${Number(bound) === 1 ? "" : "s"}`
          : issue.origin === "string"
            ? `${word} ${String(bound)} character${Number(bound) === 1 ? "" : "s"}`
            : `a number ${word} ${String(bound)}`;
      const got = Array.isArray(value) ? `${value.length} item${value.length === 1 ? "" : "s"}` : describe(value);
      out.push(source.problem(path, `expected ${what}, got ${got}`));
      return;
    }
    case "invalid_format":
    case "custom":
    default: {
      // Custom messages of the model (regexes) already say what was expected.
      const message = issue.message.startsWith("Invalid") ? `invalid value (${issue.message})` : issue.message;
      // Catalog messages already quote the value (`delay=20s is out of bounds …`).
      const quoted = value !== undefined && value !== null && typeof value !== "object" && message.includes(String(value));
      out.push(source.problem(path, quoted ? message : `${message}, got ${describe(value)}`));
    }
  }
}

/** Which branch of a union the user meant: the one with fewest unknown and missing keys at its root. */
function chooseBranch(branches: readonly (readonly Issue[])[], value: unknown): number | "none" | "ambiguous" {
  const scored = branches.map((issues, index) => {
    const typeMismatch = issues.some((i) => i.path.length === 0 && i.code === "invalid_type");
    const unknown = issues.filter((i) => i.path.length === 0 && i.code === "unrecognized_keys").reduce((n, i) => n + (i.code === "unrecognized_keys" ? i.keys.length : 0), 0);
    const missing = missingKeys(issues, value).length;
    return { index, typeMismatch, score: unknown + missing, rootOnly: issues.every((i) => i.path.length <= 1) };
  });
  const candidates = scored.filter((s) => !s.typeMismatch);
  if (candidates.length === 0) return "none";
  const best = Math.min(...candidates.map((c) => c.score));
  const top = candidates.filter((c) => c.score === best);
  // Nothing recognisable (e.g. an empty step): list the forms rather than guess one.
  if (top.length > 1 && best > 0 && top.every((t) => t.rootOnly)) return "ambiguous";
  return (top[0] as { index: number }).index;
}

/** Keys a branch needs that the value lacks. */
function missingKeys(issues: readonly Issue[], value: unknown): string[] {
  return issues
    .filter((i) => i.path.length === 1 && (i.code === "invalid_type" || i.code === "invalid_value"))
    .map((i) => String(i.path[0]))
    .filter((k) => valueAt(value, [k]) === undefined);
}

function describeForm(issues: readonly Issue[], value: unknown): string {
  const root = issues.find((i) => i.path.length === 0 && i.code === "invalid_type");
  if (root && root.code === "invalid_type") return root.expected === "object" ? "a mapping" : article(root.expected);
  const missing = missingKeys(issues, value);
  return missing.length > 0 ? `a mapping with ${missing.join(", ")}` : "";
}

/** The keys the schema allows at `path` (for an unknown-key hint), following the data through unions. */
function knownKeys(schema: z.ZodType, path: DocPath, data: unknown): string[] {
  let s: z.ZodType | undefined = schema;
  let d: unknown = data;
  for (const part of path) {
    s = pick(unwrap(s), d);
    if (s instanceof z.ZodObject) s = s.shape[String(part)] as z.ZodType | undefined;
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    else return [];
    d = valueAt(d, [part]);
  }
  s = pick(unwrap(s), d);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** Of a union's options, the one whose shape shares most keys with the data (or matches its type). */
function pick(s: z.ZodType | undefined, data: unknown): z.ZodType | undefined {
  if (!(s instanceof z.ZodUnion)) return s;
  const options = (s.options as z.ZodType[]).map(unwrap);
  if (Array.isArray(data)) return options.find((o) => o instanceof z.ZodArray) ?? options[0];
  const keys = isRecord(data) ? Object.keys(data) : [];
  let best: z.ZodType | undefined;
  let bestScore = -1;
  for (const o of options) {
    if (!(o instanceof z.ZodObject)) continue;
    const score = keys.filter((k) => k in o.shape).length;
    if (score > bestScore) [best, bestScore] = [o, score];
  }
  return pick(best, data);
}

function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  let cur = s;
  for (let i = 0; i < 10 && cur; i++) {
    const def = (cur as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } } })._zod.def;
    if (def.innerType && ["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"].includes(def.type)) cur = def.innerType;
    else if (def.type === "pipe" && def.in) cur = def.in;
    else break;
  }
  return cur;
}

export function valueAt(data: unknown, path: DocPath): unknown {
  let cur = data;
  for (const part of path) {
    if (Array.isArray(cur) && typeof part === "number") cur = cur[part];
    else if (isRecord(cur) && Object.hasOwn(cur, String(part))) cur = cur[String(part)];
    else return undefined;
  }
  return cur;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A value as a user would recognise it in their file. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}' (a string)`;
  if (typeof value === "number" && !Number.isFinite(value)) return `${String(value)} (not a finite number)`;
  return `${String(value)} (a ${typeof value})`;
}

const article = (expected: string): string =>
  ({ object: "a mapping", array: "a list", string: "a string", number: "a number", boolean: "true or false", record: "a mapping" })[expected] ??
  expected;

const oneOf = (values: readonly string[]): string => (values.length === 1 ? `'${values[0]}'` : `one of: ${values.join(", ")}`);

const isClose = (word: string, guess: string): boolean => {
  if (word === guess) return false;
  const a = word.toLowerCase();
  const b = guess.toLowerCase();
  return a === b || (a.length >= 3 && (b.includes(a) || a.includes(b))) || distance(a, b) <= Math.max(2, Math.floor(a.length / 3));
};

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

function dedupe(problems: ScenarioProblem[]): ScenarioProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
