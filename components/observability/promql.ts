import { agentMetrics, leadershipEventKind, metrics, peerStatus, transportLabels } from "../../contract/meshkit.ts";
import { jobs } from "./input.ts";

// Small PromQL builders over the contract map. Expressions are strings in the end (Prometheus and
// Grafana take strings); these helpers make sure every metric name in them comes from the contract.

interface Metric {
  readonly name: string;
  readonly type: "counter" | "gauge" | "histogram";
}

type Matchers = Readonly<Record<string, string>>;

const matcherText = (matchers: Matchers): string =>
  Object.entries(matchers)
    .map(([label, value]) => {
      // `=~"a|b"` when the value is a regex alternative, `!=` when prefixed with "!".
      if (value.startsWith("!")) return `${label}!=${JSON.stringify(value.slice(1))}`;
      if (value.startsWith("~")) return `${label}=~${JSON.stringify(value.slice(1))}`;
      return `${label}=${JSON.stringify(value)}`;
    })
    .join(",");

const selector = (name: string, matchers: Matchers): string => {
  const text = matcherText(matchers);
  return text ? `${name}{${text}}` : name;
};

/** Series of a counter or gauge, e.g. `sel(metrics.shardsOwned, {job: jobs.node})`. */
export const sel = (m: Metric, matchers: Matchers = {}): string => {
  if (m.type === "histogram") throw new Error(`${m.name} is a histogram: use bucket(), or sel() on its _count`);
  return selector(m.name, matchers);
};

/** The `_bucket` series of a histogram. */
export const bucket = (m: Metric, matchers: Matchers = {}): string => {
  if (m.type !== "histogram") throw new Error(`${m.name} is a ${m.type}, not a histogram`);
  return selector(`${m.name}_bucket`, matchers);
};

/** Mesh members only: the registry runs the same code and exports zero-valued member metrics. */
export const member = { job: jobs.node } as const;
export const agents = { job: jobs.agent } as const;

/** `histogram_quantile(q, sum by (le, …) (rate(<m>_bucket[window])))`. */
export const quantile = (q: number, m: Metric, window: string, by: readonly string[] = [], matchers: Matchers = member): string =>
  `histogram_quantile(${q}, sum by (${["le", ...by].join(", ")}) (rate(${bucket(m, matchers)}[${window}])))`;

/** `mesh_transition` values are the contract's leadership event kinds, lower-cased. */
const transitionOf = (kind: keyof typeof leadershipEventKind): string => kind.toLowerCase();

/** Label values of the contract metrics, derived from the contract's enums. */
export const labelValues = {
  memberStatus: Object.fromEntries(peerStatus.map((s) => [s, s.toLowerCase()])) as Record<(typeof peerStatus)[number], string>,
  transition: {
    elected: transitionOf("Elected"),
    renewed: transitionOf("Renewed"),
    lost: transitionOf("Lost"),
    expired: transitionOf("Expired"),
    steppedDown: transitionOf("SteppedDown"),
  },
  tcp: transportLabels.http2.network_transport,
  udp: transportLabels.udp.network_transport,
  outcomeFailure: "failure",
} as const;

/** Recording-rule name `level:metric:operation` (Prometheus naming practice) over a contract metric. */
export const recordName = (level: readonly string[], m: Metric, operation: string): string =>
  `${level.join("_") || "mesh"}:${m.name}:${operation}`;

/** Every series name the contract defines: counters/gauges by name, histograms with their suffixes. */
export function contractSeriesNames(): Set<string> {
  const out = new Set<string>();
  for (const m of [...Object.values(metrics), ...Object.values(agentMetrics)] as Metric[]) {
    if (m.type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) out.add(m.name + s);
    else out.add(m.name);
  }
  return out;
}

const keywords = new Set([
  "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
  "inf", "nan",
]);

/**
 * Metric names an expression reads. A small lexer, enough for the expressions this module writes:
 * strings, label matchers, grouping clauses, durations and function calls are stripped; what remains
 * as an identifier is a metric name.
 */
export function metricNamesIn(expr: string): Set<string> {
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  s = s.replace(/\b[a-zA-Z_][a-zA-Z0-9_]*\s*\(/g, "(");
  const names = new Set<string>();
  for (const match of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const before = s[match.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // exponent or duration suffix, e.g. 1e3
    if (!keywords.has(word.toLowerCase())) names.add(word);
  }
  return names;
}

/**
 * `part / whole` per `by` labels where a missing `part` series (a labelled counter that never
 * incremented) counts as 0 instead of dropping the group: `(part or whole * 0) / whole`.
 */
export const shareOf = (part: string, whole: string, by: readonly string[]): string => {
  const group = by.length ? `sum by (${by.join(", ")})` : "sum";
  return `(${group} (${part}) or ${group} (${whole}) * 0) / ${group} (${whole})`;
};
