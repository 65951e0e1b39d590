// The steady-state hypothesis: each probe is an instant PromQL query whose value must satisfy its
// threshold at every evaluation, and must never leave its (stricter) abort threshold.
//
// Metrics lag: Prometheus answers an instant query with the newest sample within its lookback window
// (5 min by default), so a scrape that stopped still "passes" for minutes. Every evaluation therefore
// also asks how old the data behind the query is — the newest sample of each series selector in it —
// and a sample older than 2 × the scrape interval, or no sample at all, is "no data": it fails, never
// passes, and never counts as an abort breach either (no data says nothing about the fault).

import type { Probe, Threshold } from "./scenario/model.ts";
import { PrometheusError, type InstantSeries, type PrometheusClient } from "./prometheus.ts";

export type Decision = "pass" | "fail" | "no-data";

export interface ProbeEvaluation {
  readonly probe: string;
  /** Decision time (ms since the epoch). */
  readonly at: number;
  /** Time of the newest sample behind the value (ms), null without data. */
  readonly sampleAt: number | null;
  /** The value judged: with several series, the worst one for the threshold. */
  readonly value: number | null;
  readonly decision: Decision;
  readonly abortBreach: boolean;
  /** Series the query returned; with more than one the value is the worst of them. */
  readonly series: number;
  /** Labels of the series judged, when there were several. */
  readonly worst?: Readonly<Record<string, string>>;
  /** Why there is no data, or what failed. */
  readonly reason?: string;
}

export const holds = (value: number, t: Threshold): boolean => {
  switch (t.op) {
    case "<":
      return value < t.value;
    case "<=":
      return value <= t.value;
    case ">":
      return value > t.value;
    case ">=":
      return value >= t.value;
    case "==":
      return value === t.value;
    case "!=":
      return value !== t.value;
  }
};

export const describeThreshold = (t: Threshold): string => `${t.op} ${t.value}`;

/** The series that does worst against a threshold: the highest for < and <=, the lowest for > and >=, a failing one for == and !=. */
export function worstSeries(series: readonly InstantSeries[], t: Threshold): InstantSeries | undefined {
  const finite = series.filter((s) => !Number.isNaN(s.value));
  if (finite.length === 0) return undefined;
  switch (t.op) {
    case "<":
    case "<=":
      return finite.reduce((a, b) => (b.value > a.value ? b : a));
    case ">":
    case ">=":
      return finite.reduce((a, b) => (b.value < a.value ? b : a));
    default:
      return finite.find((s) => !holds(s.value, t)) ?? finite[0];
  }
}

const keywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2"]);
const groupingKeywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const aggregations = new Set(["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"]);

/**
 * The series selectors of a PromQL expression (`name{matchers}`, `{matchers}`), without functions,
 * keywords, grouping labels, durations or strings: what the freshness of the data is asked of.
 */
export function selectorsOf(query: string): string[] {
  const found = new Set<string>();
  let i = 0;
  const skipSpace = () => {
    while (i < query.length && /\s/.test(query[i]!)) i++;
  };
  /** From an opening bracket to its match, stepping over quoted strings. */
  const balanced = (open: string, close: string): string => {
    const start = i;
    let depth = 0;
    while (i < query.length) {
      const c = query[i]!;
      if (c === '"' || c === "'" || c === "`") {
        i++;
        while (i < query.length && query[i] !== c) i += query[i] === "\\" ? 2 : 1;
      } else if (c === open) depth++;
      else if (c === close && --depth === 0) {
        i++;
        return query.slice(start, i);
      }
      i++;
    }
    return query.slice(start);
  };
  while (i < query.length) {
    const c = query[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i++;
      while (i < query.length && query[i] !== c) i += query[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "[") {
      balanced("[", "]"); // range or subquery duration
    } else if (c === "{") {
      found.add(balanced("{", "}"));
    } else if (/[0-9.]/.test(c)) {
      while (i < query.length && /[0-9a-zA-Z.]/.test(query[i]!)) i++; // numbers and durations
    } else if (/[a-zA-Z_:]/.test(c)) {
      const start = i;
      while (i < query.length && /[a-zA-Z0-9_:]/.test(query[i]!)) i++;
      const word = query.slice(start, i);
      skipSpace();
      if (groupingKeywords.has(word.toLowerCase())) {
        if (query[i] === "(") balanced("(", ")");
      } else if (keywords.has(word.toLowerCase()) || aggregations.has(word) || query[i] === "(") {
        // a keyword, an aggregation (`sum by (x) (…)`) or a function
      } else if (query[i] === "{") {
        found.add(word + balanced("{", "}"));
      } else {
        found.add(word);
      }
    } else {
      i++;
    }
  }
  return [...found];
}

export interface EvaluateOptions {
  /** A sample older than this at decision time is no data (2 × the scrape interval). */
  readonly maxAgeMs: number;
  readonly now?: () => number;
}

/**
 * What the freshness of a selector is asked of: its metric name (a matcher that selects nothing yet,
 * e.g. failed requests before the first failure, is no sign of lag), or the selector when it has no name.
 */
export const freshnessSelector = (selector: string): string => (selector.startsWith("{") ? selector : selector.replace(/\{.*$/s, ""));

/**
 * The time of the data behind a query: for each metric it reads its newest sample, and of those the
 * oldest (the query is only as fresh as its stalest input). Null when a metric has no sample at all.
 */
async function dataTime(prom: PrometheusClient, query: string, atMs: number): Promise<number | null> {
  const selectors = [...new Set(selectorsOf(query).map(freshnessSelector))];
  if (selectors.length === 0) return atMs; // a constant expression is always current
  const newest = await Promise.all(
    selectors.map(async (s) => {
      const r = await prom.instant(`max(timestamp(${s}))`, atMs / 1000);
      const v = r[0]?.value;
      return v === undefined || Number.isNaN(v) ? null : v * 1000;
    }),
  );
  return newest.some((t) => t === null) ? null : Math.min(...(newest as number[]));
}

export async function evaluateProbe(prom: PrometheusClient, probe: Probe, options: EvaluateOptions): Promise<ProbeEvaluation> {
  const now = options.now ?? Date.now;
  const askedAt = now();
  let series: InstantSeries[];
  let sampleAt: number | null;
  try {
    [series, sampleAt] = await Promise.all([prom.instant(probe.query, askedAt / 1000), dataTime(prom, probe.query, askedAt)]);
  } catch (error) {
    if (!(error instanceof PrometheusError)) throw error;
    return { probe: probe.name, at: now(), sampleAt: null, value: null, decision: "no-data", abortBreach: false, series: 0, reason: error.message };
  }
  const at = now();
  const several = series.length > 1;
  const worst = worstSeries(series, probe.threshold);
  if (!worst) {
    const reason = series.length === 0 ? "the query returned no series" : "the query returned NaN (no rate yet, or 0/0)";
    return { probe: probe.name, at, sampleAt, value: null, decision: "no-data", abortBreach: false, series: series.length, reason };
  }
  if (sampleAt === null || at - sampleAt > options.maxAgeMs) {
    const reason =
      sampleAt === null
        ? "a series the query reads has no sample"
        : `the newest sample is ${Math.round(at - sampleAt)} ms old (more than ${options.maxAgeMs} ms = 2 × the scrape interval)`;
    return { probe: probe.name, at, sampleAt, value: worst.value, decision: "no-data", abortBreach: false, series: series.length, reason, ...(several ? { worst: worst.metric } : {}) };
  }
  const abortWorst = probe.abort ? worstSeries(series, probe.abort) : undefined;
  const abortBreach = probe.abort !== undefined && abortWorst !== undefined && !holds(abortWorst.value, probe.abort);
  return {
    probe: probe.name,
    at,
    sampleAt,
    value: worst.value,
    decision: holds(worst.value, probe.threshold) ? "pass" : "fail",
    abortBreach,
    series: series.length,
    ...(several ? { worst: worst.metric } : {}),
  };
}

/** Every probe at once (in parallel): one evaluation round. */
export const evaluateAll = (prom: PrometheusClient, probes: readonly Probe[], options: EvaluateOptions): Promise<ProbeEvaluation[]> =>
  Promise.all(probes.map((p) => evaluateProbe(prom, p, options)));
