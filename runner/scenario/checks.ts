// What a user expects lint to catch beyond the shape of the file: every fault step as the fault
// catalog would parse it (kind, targets, parameters, duration, intensity), durations within sensible
// bounds, waits on probes that exist, abort thresholds that cannot fire while the steady state still
// holds, SLOs with what their kind needs, and names given twice.

import { closest, distance } from "fastest-levenshtein";
import { capabilityNames } from "../../faults/capabilities.ts";
import { parseFaultRequest, userParamsSchema } from "../../faults/catalog.ts";
import { parseDuration, type DurationBounds } from "../../faults/duration.ts";
import { FaultInputError } from "../../faults/errors.ts";
import type { SetValue } from "../../faults/param.ts";
import { valueAt, zodProblems } from "./issues.ts";
import { step as stepSchema, type FaultStep, type Scenario, type Threshold } from "./model.ts";
import type { DocPath, ScenarioProblem } from "./problems.ts";
import type { YamlSource } from "./source.ts";

/** Bounds of the scenario's own durations (a fault's duration is the catalog's: 1s..1h). */
export const durationBounds = {
  interval: { name: "interval", minMs: 500, maxMs: 300_000 },
  warmup: { name: "warmup", minMs: 0, maxMs: 3_600_000 },
  recoveryTimeout: { name: "recoveryTimeout", minMs: 1_000, maxMs: 3_600_000 },
  pause: { name: "pause", minMs: 100, maxMs: 3_600_000 },
  waitTimeout: { name: "timeout", minMs: 1_000, maxMs: 3_600_000 },
  within: { name: "within", minMs: 100, maxMs: 3_600_000 },
} as const satisfies Record<string, DurationBounds>;

export function checkScenario(s: Scenario, base: DocPath, source: YamlSource): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const at = (path: DocPath, message: string): void => {
    out.push(source.problem([...base, ...path], message));
  };
  const duration = (path: DocPath, text: string, bounds: DurationBounds): void => {
    try {
      parseDuration(text, bounds);
    } catch (e) {
      at(path, (e as Error).message);
    }
  };

  const ss = s.steadyState;
  duration(["steadyState", "interval"], ss.interval, durationBounds.interval);
  duration(["steadyState", "warmup"], ss.warmup, durationBounds.warmup);
  duration(["steadyState", "recoveryTimeout"], ss.recoveryTimeout, durationBounds.recoveryTimeout);

  const probeNames = ss.probes.map((p) => p.name);
  duplicates(probeNames, (i) => at(["steadyState", "probes", i, "name"], `probe name '${probeNames[i]}' is used twice; probe names must be unique (waitUntil and reports refer to them)`));
  ss.probes.forEach((p, i) => {
    if (p.abort) {
      const problem = abortProblem(p.threshold, p.abort);
      if (problem) at(["steadyState", "probes", i, "abort"], problem);
    }
  });

  const stepNames: { name: string; path: DocPath }[] = [];
  s.steps.forEach((step, i) => {
    const path: DocPath = ["steps", i];
    if ("fault" in step) {
      if (step.name) stepNames.push({ name: step.name, path: [...path, "name"] });
      out.push(...checkFault(step, [...base, ...path], source));
    } else if ("parallel" in step) {
      step.parallel.forEach((f, j) => {
        if (f.name) stepNames.push({ name: f.name, path: [...path, "parallel", j, "name"] });
        out.push(...checkFault(f, [...base, ...path, "parallel", j], source));
      });
    } else if ("pause" in step) {
      duration([...path, "pause"], step.pause, durationBounds.pause);
    } else {
      duration([...path, "waitUntil", "timeout"], step.waitUntil.timeout, durationBounds.waitTimeout);
      if (!probeNames.includes(step.waitUntil.probe)) {
        const guess = closest(step.waitUntil.probe, probeNames);
        const hint = distance(guess, step.waitUntil.probe) <= 3 ? ` (did you mean '${guess}'?)` : "";
        at([...path, "waitUntil", "probe"], `waitUntil names probe '${step.waitUntil.probe}', which steadyState.probes does not define${hint}; probes: ${[...new Set(probeNames)].join(", ")}`);
      }
    }
  });
  const names = stepNames.map((n) => n.name);
  duplicates(names, (i) => at(stepNames[i]?.path ?? [], `step name '${names[i]}' is used twice; step names must be unique (the timeline and reports refer to them)`));

  const sloNames = s.slos.map((x) => x.name);
  duplicates(sloNames, (i) => at(["slos", i, "name"], `SLO name '${sloNames[i]}' is used twice; SLO names must be unique`));
  s.slos.forEach((slo, i) => {
    duration(["slos", i, "within"], slo.within, durationBounds.within);
    if (slo.kind === "query" && !slo.query) at(["slos", i], "an SLO of kind 'query' needs a query (PromQL that becomes non-zero when converged)");
    if (slo.kind === "replication-lag" && slo.boundMs === undefined) at(["slos", i], "an SLO of kind 'replication-lag' needs boundMs (the lag bound in milliseconds)");
    if (slo.kind !== "replication-lag" && slo.boundMs !== undefined) at(["slos", i, "boundMs"], `boundMs applies to kind 'replication-lag' only, not '${slo.kind}'`);
  });

  s.prerequisites.capabilities.forEach((c, i) => {
    if (!(capabilityNames as readonly string[]).includes(c)) {
      const guess = closest(c, capabilityNames);
      const hint = distance(guess, c) <= 3 ? ` (did you mean '${guess}'?)` : "";
      at(["prerequisites", "capabilities", i], `unknown agent capability '${c}'${hint}; expected one of: ${capabilityNames.join(", ")}`);
    }
  });
  return out;
}

/**
 * When the file as a whole does not match the model, the fault steps that do are still checked
 * against the catalog, so one lint shows a typo elsewhere and an out-of-bound parameter together.
 */
export function checkParsableFaults(raw: unknown, base: DocPath, source: YamlSource): ScenarioProblem[] {
  const steps = valueAt(raw, ["steps"]);
  if (!Array.isArray(steps)) return [];
  return steps.flatMap((candidate, i) => {
    const parsed = stepSchema.safeParse(candidate);
    if (!parsed.success) return [];
    const st = parsed.data;
    if ("fault" in st) return checkFault(st, [...base, "steps", i], source);
    if ("parallel" in st) return st.parallel.flatMap((f, j) => checkFault(f, [...base, "steps", i, "parallel", j], source));
    return [];
  });
}

/** A fault step exactly as `meshkit-chaos fault apply` would take it; problems point at the key at fault. */
function checkFault(step: FaultStep, path: DocPath, source: YamlSource): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const params = step.params as Record<string, SetValue>;
  const typed = userParamsSchema(step.fault).safeParse(params);
  const badKeys = new Set<string>();
  if (!typed.success) {
    out.push(...zodProblems(typed.error, userParamsSchema(step.fault), source, [...path, "params"]));
    for (const issue of typed.error.issues) {
      if (issue.code === "unrecognized_keys") issue.keys.forEach((k) => badKeys.add(k));
      else if (issue.path[0] !== undefined) badKeys.add(String(issue.path[0]));
    }
  }
  if (step.intensity !== undefined && params.intensity !== undefined) {
    out.push(source.problem([...path, "intensity"], "intensity is given twice (here and in params); give it once"));
    return out;
  }
  const set: Record<string, SetValue> = Object.fromEntries(Object.entries(params).filter(([k]) => !badKeys.has(k)));
  if (step.intensity !== undefined) set.intensity = step.intensity;
  try {
    parseFaultRequest({ kind: step.fault, targets: step.targets ?? null, set, duration: step.duration });
  } catch (e) {
    if (!(e instanceof FaultInputError)) throw e;
    for (const raw of e.problems) {
      const message = raw.replace(/--target\b/g, "targets").replace(/--duration\b/g, "duration").replace(/--set parameter/g, "parameter");
      out.push(source.problem([...path, ...pointAt(message, step, Object.keys(set))], message));
    }
  }
  return dedupeMessages(out);
}

/** Which key of a fault step a catalog message is about. */
function pointAt(message: string, step: FaultStep, keys: readonly string[]): DocPath {
  const body = message.replace(/^[a-z-]+: /, "");
  if (/^duration\b/.test(body)) return ["duration"];
  if (/^intensity\b/.test(body) || /\bintensity=/.test(body)) return step.intensity !== undefined ? ["intensity"] : keys.includes("intensity") ? ["params", "intensity"] : [];
  const key = keys.find((k) => body.startsWith(`${k}=`) || body.startsWith(`${k} `) || body.includes(`'${k}'`) || body.includes(`set either ${k}`));
  if (key) return ["params", key];
  if (/target|selector|role:|count:|percent:/.test(body)) return step.targets !== undefined ? ["targets"] : [];
  return [];
}

/**
 * The abort bound must let through every value the steady state allows; otherwise the run aborts
 * while the hypothesis still holds. Judged when both compare the same way (<, <= or >, >=).
 */
export function abortProblem(threshold: Threshold, abort: Threshold): string | null {
  const dir = (op: Threshold["op"]): "below" | "above" | null => (op === "<" || op === "<=" ? "below" : op === ">" || op === ">=" ? "above" : null);
  const t = dir(threshold.op);
  const a = dir(abort.op);
  const show = (x: Threshold): string => `${x.op} ${x.value}`;
  if (t === null || a === null) return null;
  if (t !== a) {
    return `abort (${show(abort)}) compares the other way from the threshold (${show(threshold)}); the abort bound must be a looser bound in the same direction, e.g. ${threshold.op} ${threshold.value === 0 ? 1 : threshold.value * 5}`;
  }
  const looser = t === "below" ? abort.value > threshold.value : abort.value < threshold.value;
  const sameValueOk = abort.value === threshold.value && abort.op.length > threshold.op.length; // `<=` after `<`
  if (looser || sameValueOk) return null;
  return `abort (${show(abort)}) would fire while the steady state still holds (${show(threshold)}); the abort bound must be looser than the threshold (a value ${t === "below" ? "above" : "below"} ${threshold.value})`;
}

function duplicates(names: readonly string[], report: (index: number) => void): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) report(i);
    seen.add(n);
  });
}

function dedupeMessages(problems: ScenarioProblem[]): ScenarioProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
