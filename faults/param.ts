// User parameters of a fault kind: one small spec per parameter (type, unit, bounds, default, summary)
// from which both the zod schema and the `fault kinds` listing are derived, so the bound in an error
// and the bound in the docs are the same fact. Values arrive as strings from `--set key=value` or
// typed from a scenario file; both are accepted.

import { z } from "zod";
import { DurationError, describeBounds, formatDuration, parseDuration } from "./duration.ts";
import { TargetError, parseTargets } from "./targets.ts";

export type SetValue = string | number | boolean | readonly string[];

export interface ParamInfo {
  readonly name: string;
  readonly type: "number" | "integer" | "duration" | "choice" | "text" | "list" | "rate" | "selector";
  /** Unit of the value as written: "ms", "%", "MB", "kbit/s", "share 0..1"; null when unitless. */
  readonly unit: string | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Bounds as a user writes them, e.g. "1ms..10s", "0.1..100 %". */
  readonly bounds: string | null;
  readonly values: readonly string[] | null;
  /** Default as a user writes it; null when derived (from intensity) or absent. */
  readonly default: string | null;
  readonly summary: string;
}

export interface ParamSpec<T> {
  readonly info: Omit<ParamInfo, "name">;
  /** Parses one value; the error message names the bound and unit, the caller prefixes the key. */
  readonly schema: (key: string) => z.ZodType<T>;
  /** Used when the user gives nothing; undefined when the value comes from intensity. */
  readonly defaultValue: T | undefined;
}

export type ParamValue<S> = S extends ParamSpec<infer T> ? T : never;
export type ParamValues<S extends Record<string, ParamSpec<unknown>>> = { -readonly [K in keyof S]: ParamValue<S[K]> };

const input = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

const fail = (ctx: z.RefinementCtx, message: string): never => {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
};

const show = (v: SetValue): string => (Array.isArray(v) ? v.join(",") : String(v));

interface NumberOptions<T extends number | undefined> {
  readonly unit: string | null;
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  readonly default: T;
  readonly summary: string;
}

export function numberParam<T extends number | undefined>(o: NumberOptions<T>): ParamSpec<number> {
  const unit = o.unit ? ` ${o.unit}` : "";
  const bounds = `${o.min}..${o.max}${unit}`;
  return {
    info: {
      type: o.integer ? "integer" : "number",
      unit: o.unit,
      min: o.min,
      max: o.max,
      bounds,
      values: null,
      default: o.default === undefined ? null : String(o.default),
      summary: o.summary,
    },
    defaultValue: o.default,
    schema: (key) =>
      input.transform((v, ctx) => {
        const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v.trim()) : Number.NaN;
        if (!Number.isFinite(n)) return fail(ctx, `${key}=${show(v)} is not a number; expected ${bounds}`);
        if (o.integer && !Number.isInteger(n)) return fail(ctx, `${key}=${show(v)} is not a whole number; expected ${bounds}`);
        if (n < o.min || n > o.max) return fail(ctx, `${key}=${show(v)} is out of bounds: expected ${bounds}`);
        return n;
      }),
  };
}

interface DurationOptions {
  readonly minMs: number;
  readonly maxMs: number;
  readonly signed?: boolean;
  readonly default: number | undefined;
  readonly summary: string;
}

/** A duration written "500ms", "2s", "1m30s" (a number is milliseconds); the value is milliseconds. */
export function durationParam(o: DurationOptions): ParamSpec<number> {
  const b = { name: "", minMs: o.minMs, maxMs: o.maxMs, signed: o.signed };
  return {
    info: {
      type: "duration",
      unit: "duration (ms, s, m, h)",
      min: o.signed ? -o.maxMs : o.minMs,
      max: o.maxMs,
      bounds: describeBounds(b),
      values: null,
      default: o.default === undefined ? null : formatDuration(o.default),
      summary: o.summary,
    },
    defaultValue: o.default,
    schema: (key) =>
      input.transform((v, ctx) => {
        if (typeof v !== "string" && typeof v !== "number") return fail(ctx, `${key}=${show(v)} is not a duration; expected e.g. 500ms, 30s`);
        try {
          return parseDuration(v, { ...b, name: key });
        } catch (e) {
          if (e instanceof DurationError) return fail(ctx, e.message);
          throw e;
        }
      }),
  };
}

export function choiceParam<const V extends string>(values: readonly V[], o: { default: V; summary: string }): ParamSpec<V> {
  return {
    info: { type: "choice", unit: null, min: null, max: null, bounds: null, values, default: o.default, summary: o.summary },
    defaultValue: o.default,
    schema: (key) =>
      input.transform((v, ctx) => {
        const s = typeof v === "string" ? v.trim() : show(v);
        if (!(values as readonly string[]).includes(s)) return fail(ctx, `${key}=${s} is not one of ${values.join(", ")}`);
        return s as V;
      }),
  };
}

interface ListOptions {
  readonly item: RegExp;
  readonly itemDescription: string;
  readonly maxItems: number;
  readonly default: readonly string[];
  readonly summary: string;
}

/** A list written "a,b,c" on the command line or as an array in a scenario. */
export function listParam(o: ListOptions): ParamSpec<string[]> {
  return {
    info: {
      type: "list",
      unit: null,
      min: 1,
      max: o.maxItems,
      bounds: `1..${o.maxItems} items`,
      values: null,
      default: o.default.join(","),
      summary: o.summary,
    },
    defaultValue: [...o.default],
    schema: (key) =>
      input.transform((v, ctx) => {
        const items = (Array.isArray(v) ? v : String(v).split(",")).map((s) => s.trim());
        if (items.length === 0 || items.some((s) => s === "")) return fail(ctx, `${key}=${show(v)} has an empty item; expected ${o.itemDescription}, comma-separated`);
        if (items.length > o.maxItems) return fail(ctx, `${key} has ${items.length} items; at most ${o.maxItems}`);
        const bad = items.find((s) => !o.item.test(s));
        if (bad !== undefined) return fail(ctx, `${key}: '${bad}' is not ${o.itemDescription}`);
        return items;
      }),
  };
}

const rateUnitKbit = { bit: 0.001, kbit: 1, mbit: 1_000, gbit: 1_000_000 } as const;

/** A rate written "512kbit", "1mbit", "1gbit" (a number is kbit/s); the value is kbit/s. */
export function rateParam(o: { minKbit: number; maxKbit: number; default: number | undefined; summary: string }): ParamSpec<number> {
  const bounds = `${formatRate(o.minKbit)}..${formatRate(o.maxKbit)}`;
  return {
    info: {
      type: "rate",
      unit: "kbit/s (bit, kbit, mbit, gbit)",
      min: o.minKbit,
      max: o.maxKbit,
      bounds,
      values: null,
      default: o.default === undefined ? null : formatRate(o.default),
      summary: o.summary,
    },
    defaultValue: o.default,
    schema: (key) =>
      input.transform((v, ctx) => {
        let kbit: number;
        if (typeof v === "number") kbit = v;
        else {
          const m = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)$/.exec(show(v).trim().toLowerCase());
          if (!m) return fail(ctx, `${key}=${show(v)} is not a rate; expected a number with a unit (bit, kbit, mbit, gbit), e.g. 1mbit`);
          kbit = Number(m[1]) * rateUnitKbit[m[2] as keyof typeof rateUnitKbit];
        }
        if (!Number.isInteger(kbit)) return fail(ctx, `${key}=${show(v)} is not a whole number of kbit/s`);
        if (kbit < o.minKbit || kbit > o.maxKbit) return fail(ctx, `${key}=${show(v)} is out of bounds: expected ${bounds}`);
        return kbit;
      }),
  };
}

export const formatRate = (kbit: number): string =>
  kbit >= 1_000_000 && kbit % 1_000_000 === 0 ? `${kbit / 1_000_000}gbit` : kbit >= 1_000 && kbit % 1_000 === 0 ? `${kbit / 1_000}mbit` : `${kbit}kbit`;

/** A second group of nodes (target-selector syntax, plus `registry`); null = none given. */
export function selectorParam(o: { summary: string }): ParamSpec<string | null> {
  return {
    info: { type: "selector", unit: null, min: null, max: null, bounds: null, values: null, default: null, summary: o.summary },
    defaultValue: null,
    schema: (key) =>
      input.transform((v, ctx) => {
        const s = show(v).trim();
        try {
          parseTargets(s, key);
        } catch (e) {
          if (e instanceof TargetError) return fail(ctx, e.message);
          throw e;
        }
        return s;
      }),
  };
}

/** A single word or name matching `pattern` (a leadership scope, say). */
export function textParam(o: { pattern: RegExp; description: string; default: string; summary: string }): ParamSpec<string> {
  return {
    info: { type: "text", unit: null, min: null, max: null, bounds: o.description, values: null, default: o.default, summary: o.summary },
    defaultValue: o.default,
    schema: (key) =>
      input.transform((v, ctx) => {
        const s = show(v).trim();
        if (!o.pattern.test(s)) return fail(ctx, `${key}=${s} is not ${o.description}`);
        return s;
      }),
  };
}

/** A parameter the kind computes when it is not given (`auto`); null until then. */
export function autoParam<T>(spec: ParamSpec<T>, auto: string): ParamSpec<T | null> {
  return { info: { ...spec.info, default: `auto (${auto})` }, schema: spec.schema, defaultValue: null };
}
