// The checker (Jepsen-style): judges a run from its timeline and captured metric ranges alone. A pure
// function, so `report render RUN_DIR` gives the same verdict as the run that wrote the directory.
//
// Rules (what a verdict means):
// - A probe sample that is "no-data" (no sample, or one older than 2 × the scrape interval) counts as a
//   failure, never as a pass.
// - Up to the rollback, every sample must pass the steady-state threshold. From the rollback on the
//   system is recovering: there the probe's last sample must pass (it came back within the recovery
//   timeout); if the run reached POST_VALIDATION and the probe has no sample there, it fails.
// - An SLO passes when it converged (measured) within its bound.
// - Every fault that was applied must be verified reverted by its agent.
// - Any abort makes the verdict "aborted"; otherwise any failure above makes it "failed".

import type { Phase, TimelineEvent, Verdict } from "../timeline.ts";
import type { Scenario, Threshold } from "../scenario/model.ts";
import type { AbortResult, FaultResult, MetricRange, PhaseSpan, Plot, ProbeResult, Report, SampleRef, SloResult } from "./model.ts";

export interface JudgeInput {
  events: readonly TimelineEvent[];
  metrics: readonly MetricRange[];
  /** The parsed scenario as run (scenario.json), when the run directory has it. */
  scenario?: Scenario | null;
}

type ProbeEvent = Extract<TimelineEvent, { type: "probe" }>;
type FaultEvent = Extract<TimelineEvent, { type: "fault" }>;

const recoveryPhases: ReadonlySet<Phase> = new Set(["ROLLBACK", "POST_VALIDATION", "REPORT"]);
const time = (iso: string): number => Date.parse(iso);
const diff = (from: string | null | undefined, to: string | null | undefined): number | null =>
  from && to ? time(to) - time(from) : null;

export const formatThreshold = (t: Threshold): string => `${t.op} ${t.value}`;
export const formatValue = (v: number | null): string => (v === null ? "no data" : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));
export const formatMs = (v: number | null): string => (v === null ? "—" : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);

/** Which phase each event happened in (the last phase event at or before it). */
function phaseOf(events: readonly TimelineEvent[]): Map<TimelineEvent, Phase | null> {
  const result = new Map<TimelineEvent, Phase | null>();
  let current: Phase | null = null;
  for (const e of events) {
    if (e.type === "phase") current = e.phase;
    result.set(e, current);
  }
  return result;
}

function phaseSpans(events: readonly TimelineEvent[], endedAt: string): PhaseSpan[] {
  const marks = events.filter((e): e is Extract<TimelineEvent, { type: "phase" }> => e.type === "phase");
  return marks.map((m, i) => {
    const end = marks[i + 1]?.at ?? endedAt;
    return { phase: m.phase, step: m.step ?? null, startedAt: m.at, endedAt: end, durationMs: time(end) - time(m.at) };
  });
}

function sampleRef(e: ProbeEvent, phase: Phase | null): SampleRef {
  // `reason` (why no data) is written by newer runners only.
  const reason = (e as { reason?: unknown }).reason;
  return { at: e.at, sampleAt: e.sampleAt, value: e.value, decision: e.decision, lagMs: diff(e.sampleAt, e.at), phase, reason: typeof reason === "string" ? reason : null };
}

function describeSample(s: SampleRef): string {
  const sampled = (s.sampleAt ? `sampled ${s.sampleAt}` : "no sample") + (s.reason ? `: ${s.reason}` : "");
  return `${formatValue(s.value)} (${sampled}, decided ${s.at}${s.phase ? `, during ${s.phase}` : ""})`;
}

function judgeProbe(name: string, samples: ProbeEvent[], phases: Map<TimelineEvent, Phase | null>, reachedPostValidation: boolean, def: { query: string | null; threshold: Threshold | null; abort: Threshold | null }): ProbeResult {
  const refs = samples.map((e) => sampleRef(e, phases.get(e) ?? null));
  const values = refs.map((r) => r.value).filter((v): v is number => v !== null);
  const steady = refs.filter((r) => !(r.phase && recoveryPhases.has(r.phase)));
  const recovery = refs.filter((r) => r.phase && recoveryPhases.has(r.phase));
  const firstBreach = refs.find((r) => r.decision === "fail") ?? null;
  const firstNoData = refs.find((r) => r.decision === "no-data") ?? null;
  const abortIndex = samples.findIndex((e) => e.abortBreach);
  const bound = def.threshold ? ` ${formatThreshold(def.threshold)}` : "";

  const problems: string[] = [];
  if (refs.length === 0) problems.push("never evaluated: no data");
  const steadyFails = steady.filter((r) => r.decision === "fail");
  const steadyNoData = steady.filter((r) => r.decision === "no-data");
  if (steadyFails.length > 0) {
    problems.push(`${steadyFails.length} of ${steady.length} samples broke the threshold${bound}; first ${describeSample(steadyFails[0]!)}`);
  }
  if (steadyNoData.length > 0) {
    problems.push(`${steadyNoData.length} of ${steady.length} samples had no data (counts as failure); first ${describeSample(steadyNoData[0]!)}`);
  }
  if (abortIndex >= 0) {
    const a = refs[abortIndex]!;
    problems.push(`abort threshold${def.abort ? ` ${formatThreshold(def.abort)}` : ""} broken: ${describeSample(a)}`);
  }
  const lastRecovery = recovery.at(-1);
  if (lastRecovery && lastRecovery.decision !== "pass") {
    problems.push(`did not recover after rollback: last ${describeSample(lastRecovery)}${bound ? `, expected${bound}` : ""}`);
  } else if (!lastRecovery && reachedPostValidation && refs.length > 0) {
    problems.push("no sample after the rollback: recovery not shown");
  }

  return {
    name,
    query: def.query,
    threshold: def.threshold,
    abort: def.abort,
    samples: refs.length,
    passes: refs.filter((r) => r.decision === "pass").length,
    fails: refs.filter((r) => r.decision === "fail").length,
    noData: refs.filter((r) => r.decision === "no-data").length,
    firstBreach,
    firstNoData,
    firstAbortBreach: abortIndex >= 0 ? refs[abortIndex]! : null,
    min: values.length ? Math.min(...values) : null,
    max: values.length ? Math.max(...values) : null,
    last: refs.at(-1) ?? null,
    pass: problems.length === 0,
    failure: problems.length ? problems.join("; ") : null,
  };
}

function judgeFaults(events: readonly FaultEvent[]): FaultResult[] {
  const byId = new Map<string, FaultEvent[]>();
  for (const e of events) byId.set(e.faultId, [...(byId.get(e.faultId) ?? []), e]);
  return [...byId.values()].map((list) => {
    const first = list[0]!;
    const nodes = new Map<string, { node: string; appliedAt: string | null; revertedAt: string | null; applyMs: number | null; revertMs: number | null }>();
    const node = (n: string) => {
      if (!nodes.has(n)) nodes.set(n, { node: n, appliedAt: null, revertedAt: null, applyMs: null, revertMs: null });
      return nodes.get(n)!;
    };
    let mechanism: string | null = null;
    let applyRequestedAt: string | null = null;
    let revertRequestedAt: string | null = null;
    let activeAt: string | null = null;
    let revertedAt: string | null = null;
    let applied = false;
    let status: FaultResult["status"] = "planned";
    const failures: string[] = [];
    for (const e of list) {
      mechanism = e.mechanism ?? mechanism;
      const when = e.agentAt ?? e.at;
      switch (e.action) {
        case "planned":
          break;
        case "apply":
          applied = true;
          applyRequestedAt ??= e.at;
          status = "applying";
          break;
        case "active":
          applied = true;
          if (e.node) Object.assign(node(e.node), { appliedAt: when, applyMs: e.ms ?? null });
          if (!activeAt || time(when) < time(activeAt)) activeAt = when;
          status = "active";
          break;
        case "revert":
          revertRequestedAt ??= e.at;
          status = "reverting";
          break;
        case "reverted":
          // Without a node: the runner asked every agent after the run stack's destroy and none holds it.
          if (e.node) Object.assign(node(e.node), { revertedAt: when, revertMs: e.ms ?? null });
          else for (const n of nodes.values()) if (!n.revertedAt) Object.assign(n, { revertedAt: when, revertMs: e.ms ?? null });
          if (!revertedAt || time(when) > time(revertedAt)) revertedAt = when;
          status = "reverted";
          break;
        case "failed":
          failures.push(`${e.node ? `${e.node}: ` : ""}${e.detail ?? "failed"}`);
          status = "failed";
          break;
      }
    }
    // Reverted means every node that applied it was verified reverted.
    const pending = [...nodes.values()].filter((n) => n.appliedAt && !n.revertedAt);
    if (status === "reverted" && pending.length > 0) status = "reverting";
    if (!applied && status !== "failed") status = "planned";
    return {
      faultId: first.faultId,
      kind: first.kind,
      step: first.step,
      targets: first.targets,
      mechanism,
      status,
      applyRequestedAt,
      revertRequestedAt,
      appliedAt: activeAt ?? applyRequestedAt,
      revertedAt: status === "reverted" ? revertedAt : null,
      heldMs: status === "reverted" ? diff(activeAt ?? applyRequestedAt, revertedAt) : null,
      nodes: [...nodes.values()],
      failures,
    };
  });
}

const wasApplied = (f: FaultResult): boolean => f.applyRequestedAt !== null || f.nodes.some((n) => n.appliedAt);

function seriesLabel(name: string, metric: Record<string, string>): string {
  const labels = Object.entries(metric).filter(([k]) => k !== "__name__");
  return labels.length ? labels.map(([k, v]) => `${k}=${v}`).join(",") : name;
}

function toPlot(m: MetricRange, def: { threshold: Threshold | null; abort: Threshold | null } | undefined): Plot {
  return {
    name: m.name,
    kind: m.name.startsWith("mesh-") ? "mesh" : "probe",
    query: m.query,
    threshold: m.threshold ?? def?.threshold ?? null,
    abort: m.abort ?? def?.abort ?? null,
    error: m.error ?? null,
    series: m.series.map((s) => ({
      label: seriesLabel(m.name, s.metric),
      points: s.values.map(([t, v]) => {
        const n = Number(v);
        return [t, Number.isFinite(n) ? n : null] as [number, number | null];
      }),
    })),
  };
}

function plotOrder(name: string, probes: readonly ProbeResult[]): number {
  const i = probes.findIndex((p) => p.name === name);
  return i >= 0 ? i : probes.length;
}

export function judge(input: JudgeInput): Report {
  const { events, metrics, scenario } = input;
  const run = events.find((e): e is Extract<TimelineEvent, { type: "run" }> => e.type === "run");
  if (!run) throw new Error("timeline has no `run` event: it is not a scenario run's timeline");
  const startedAt = events[0]!.at;
  const endedAt = events.reduce((latest, e) => (time(e.at) > time(latest) ? e.at : latest), startedAt);
  const phases = phaseOf(events);
  const reachedPostValidation = events.some((e) => e.type === "phase" && e.phase === "POST_VALIDATION");

  // Probe definitions: the scenario's, else what the captured ranges recorded.
  const defs = new Map<string, { query: string | null; threshold: Threshold | null; abort: Threshold | null }>();
  for (const p of scenario?.steadyState.probes ?? []) defs.set(p.name, { query: p.query, threshold: p.threshold, abort: p.abort ?? null });
  for (const m of metrics) {
    if (m.name.startsWith("mesh-") || defs.has(m.name)) continue;
    defs.set(m.name, { query: m.query, threshold: m.threshold ?? null, abort: m.abort ?? null });
  }
  const probeEvents = events.filter((e): e is ProbeEvent => e.type === "probe");
  for (const e of probeEvents) if (!defs.has(e.probe)) defs.set(e.probe, { query: null, threshold: null, abort: null });
  const probes = [...defs.entries()].map(([name, def]) =>
    judgeProbe(name, probeEvents.filter((e) => e.probe === name), phases, reachedPostValidation, def),
  );

  const slos: SloResult[] = events
    .filter((e): e is Extract<TimelineEvent, { type: "slo" }> => e.type === "slo")
    .map((e) => ({ name: e.slo, step: e.step, at: e.at, measuredMs: e.measuredMs, withinMs: e.withinMs, pass: e.measuredMs !== null && e.measuredMs <= e.withinMs }));

  const faults = judgeFaults(events.filter((e): e is FaultEvent => e.type === "fault"));
  const unreverted = faults.filter((f) => wasApplied(f) && f.status !== "reverted").map((f) => f.faultId);

  const abortEvent = events.find((e): e is Extract<TimelineEvent, { type: "abort" }> => e.type === "abort");
  let abort: AbortResult | null = null;
  if (abortEvent) {
    const atAbort = faults.filter((f) => wasApplied(f) && f.applyRequestedAt !== null && time(f.applyRequestedAt) <= time(abortEvent.at));
    const open = atAbort.filter((f) => f.status !== "reverted").map((f) => f.faultId);
    const allRevertedAt = open.length === 0 && atAbort.length > 0
      ? atAbort.map((f) => f.revertedAt!).reduce((a, b) => (time(b) > time(a) ? b : a))
      : null;
    const sampleAt = abortEvent.sampleAt ?? null;
    abort = {
      at: abortEvent.at,
      phase: abortEvent.phase,
      reason: abortEvent.reason,
      probe: abortEvent.probe ?? null,
      sampleAt,
      breachToAbortMs: diff(sampleAt, abortEvent.at),
      allRevertedAt,
      breachToAllRevertedMs: diff(sampleAt, allRevertedAt),
      abortToAllRevertedMs: diff(abortEvent.at, allRevertedAt),
      unreverted: open,
    };
  }

  const reasons: string[] = [];
  if (abort) reasons.push(`aborted during ${abort.phase}: ${abort.reason}`);
  for (const p of probes) if (!p.pass) reasons.push(`probe ${p.name}: ${p.failure}`);
  for (const s of slos) {
    if (!s.pass) reasons.push(`SLO ${s.name} (step ${s.step}): ${s.measuredMs === null ? "did not converge" : `measured ${formatMs(s.measuredMs)}`}, expected within ${formatMs(s.withinMs)}`);
  }
  for (const f of faults) {
    if (f.failures.length) reasons.push(`fault ${f.faultId} (${f.kind}) failed: ${f.failures.join("; ")}`);
    if (unreverted.includes(f.faultId)) reasons.push(`fault ${f.faultId} (${f.kind}) was not verified reverted (${f.status})`);
  }
  const verdict: Verdict = abort ? "aborted" : reasons.length ? "failed" : "passed";

  const recorded = [...events].reverse().find((e): e is Extract<TimelineEvent, { type: "verdict" }> => e.type === "verdict");
  const probeDefs = new Map(probes.map((p) => [p.name, p]));

  return {
    schemaVersion: 1,
    run: {
      runId: run.runId,
      scenario: run.scenario,
      version: run.version,
      definitionHash: run.definitionHash,
      envStack: run.envStack,
      dryRun: run.dryRun,
      startedAt,
      endedAt,
      durationMs: time(endedAt) - time(startedAt),
    },
    scenario: scenario
      ? { owner: scenario.metadata.owner, description: scenario.metadata.description, tags: scenario.metadata.tags, rollback: scenario.rollback }
      : null,
    verdict,
    reasons,
    recordedVerdict: recorded ? { verdict: recorded.verdict, reasons: recorded.reasons } : null,
    phases: phaseSpans(events, endedAt),
    probes,
    slos,
    faults,
    rollback: { allReverted: unreverted.length === 0, unreverted },
    abort,
    notes: events.filter((e): e is Extract<TimelineEvent, { type: "note" }> => e.type === "note").map((e) => ({ at: e.at, text: e.text })),
    // Probes in the scenario's order, then the mesh series.
    plots: [...metrics]
      .sort((a, b) => plotOrder(a.name, probes) - plotOrder(b.name, probes) || a.name.localeCompare(b.name))
      .map((m) => toPlot(m, probeDefs.get(m.name))),
  };
}
