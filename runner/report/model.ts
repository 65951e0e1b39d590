// The judged run: everything a report states, computed once from the timeline and the captured
// metric ranges (runner/report/judge.ts). report.json is this object; the JUnit, Markdown and HTML
// reports are views of it. Its JSON Schema (report.schema.json) is generated from these zod schemas.

import { z } from "zod";
import { phases, verdicts } from "../timeline.ts";
import { threshold } from "../scenario/model.ts";

const at = z.iso.datetime();
const ms = z.number().describe("milliseconds");

/** A Prometheus range result as the runner captures it in `<runDir>/metrics/<name>.json`. */
export const metricRange = z.object({
  name: z.string(),
  query: z.string(),
  start: z.number(),
  end: z.number(),
  stepSeconds: z.number().positive(),
  threshold: threshold.optional(),
  abort: threshold.optional(),
  series: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })),
  /** Why the range could not be captured (Prometheus did not answer), when it could not. */
  error: z.string().optional(),
});
export type MetricRange = z.infer<typeof metricRange>;

const sampleRef = z.object({
  /** Decision time: when the runner evaluated the probe. */
  at,
  /** The sample's own timestamp in Prometheus (null when there was no sample). */
  sampleAt: at.nullable(),
  value: z.number().nullable(),
  decision: z.enum(["pass", "fail", "no-data"]),
  /** at − sampleAt: how old the sample was when it was judged. */
  lagMs: ms.nullable(),
  phase: z.enum(phases).nullable(),
  /** Why there was no data, when the runner said. */
  reason: z.string().nullable(),
});
export type SampleRef = z.infer<typeof sampleRef>;

export const probeResult = z.object({
  name: z.string(),
  query: z.string().nullable(),
  threshold: threshold.nullable(),
  abort: threshold.nullable(),
  samples: z.number().int(),
  passes: z.number().int(),
  fails: z.number().int(),
  noData: z.number().int(),
  /** First sample that violated the steady-state threshold. */
  firstBreach: sampleRef.nullable(),
  /** First sample without data (no sample, or one older than 2 × the scrape interval): it counts as a failure. */
  firstNoData: sampleRef.nullable(),
  /** First sample that violated the abort threshold. */
  firstAbortBreach: sampleRef.nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  last: sampleRef.nullable(),
  pass: z.boolean(),
  /** Why it failed, with the measured values; null when it passed. */
  failure: z.string().nullable(),
});
export type ProbeResult = z.infer<typeof probeResult>;

export const sloResult = z.object({
  name: z.string(),
  step: z.number().int(),
  at,
  measuredMs: ms.nullable(),
  withinMs: ms,
  pass: z.boolean(),
});
export type SloResult = z.infer<typeof sloResult>;

export const faultAgentTimes = z.object({
  node: z.string(),
  /** The agent's own apply / revert timestamps. */
  appliedAt: at.nullable(),
  revertedAt: at.nullable(),
  applyMs: ms.nullable(),
  revertMs: ms.nullable(),
});

export const faultResult = z.object({
  faultId: z.string(),
  kind: z.string(),
  step: z.number().int(),
  targets: z.array(z.string()),
  mechanism: z.string().nullable(),
  status: z.enum(["planned", "applying", "active", "reverting", "reverted", "failed"]),
  /** Runner's request times. */
  applyRequestedAt: at.nullable(),
  revertRequestedAt: at.nullable(),
  /** The fault window: earliest agent apply to latest agent revert (runner times where an agent gave none). */
  appliedAt: at.nullable(),
  revertedAt: at.nullable(),
  heldMs: ms.nullable(),
  nodes: z.array(faultAgentTimes),
  failures: z.array(z.string()),
});
export type FaultResult = z.infer<typeof faultResult>;

export const phaseSpan = z.object({
  phase: z.enum(phases),
  step: z.number().int().nullable(),
  startedAt: at,
  endedAt: at,
  durationMs: ms,
});
export type PhaseSpan = z.infer<typeof phaseSpan>;

export const abortResult = z.object({
  at,
  phase: z.enum(phases),
  reason: z.string(),
  probe: z.string().nullable(),
  /** The breaching sample's own time (null for a signal or a failed verification). */
  sampleAt: at.nullable(),
  breachToAbortMs: ms.nullable(),
  /** When the last fault active at the abort was verified reverted by its agent. */
  allRevertedAt: at.nullable(),
  breachToAllRevertedMs: ms.nullable(),
  abortToAllRevertedMs: ms.nullable(),
  /** Faults that were not verified reverted after the abort. */
  unreverted: z.array(z.string()),
});
export type AbortResult = z.infer<typeof abortResult>;

export const plotSeries = z.object({
  label: z.string(),
  /** [unixSeconds, value | null] */
  points: z.array(z.tuple([z.number(), z.number().nullable()])),
});
export const plot = z.object({
  name: z.string(),
  kind: z.enum(["probe", "mesh"]),
  query: z.string(),
  threshold: threshold.nullable(),
  abort: threshold.nullable(),
  series: z.array(plotSeries),
  /** The capture's error: the plot is empty because Prometheus did not answer. */
  error: z.string().nullable(),
});
export type Plot = z.infer<typeof plot>;

export const report = z.object({
  schemaVersion: z.literal(1),
  run: z.object({
    runId: z.string(),
    scenario: z.string(),
    version: z.string(),
    definitionHash: z.string(),
    envStack: z.string(),
    dryRun: z.boolean(),
    startedAt: at,
    endedAt: at,
    durationMs: ms,
  }),
  scenario: z
    .object({ owner: z.string(), description: z.string(), tags: z.array(z.string()), rollback: z.array(z.string()) })
    .nullable(),
  verdict: z.enum(verdicts),
  reasons: z.array(z.string()),
  /** The verdict the runner wrote into the timeline, if any (the judged one above is authoritative). */
  recordedVerdict: z.object({ verdict: z.enum(verdicts), reasons: z.array(z.string()) }).nullable(),
  phases: z.array(phaseSpan),
  probes: z.array(probeResult),
  slos: z.array(sloResult),
  faults: z.array(faultResult),
  rollback: z.object({ allReverted: z.boolean(), unreverted: z.array(z.string()) }),
  abort: abortResult.nullable(),
  notes: z.array(z.object({ at, text: z.string() })),
  plots: z.array(plot),
});
export type Report = z.infer<typeof report>;
