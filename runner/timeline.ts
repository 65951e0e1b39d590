// The run's timeline (Jepsen-style): every event of a scenario run, appended as JSON lines to
// `<runDir>/timeline.jsonl` as it happens. Verdicts and every report are computed from the timeline
// and the captured metric ranges alone (`report render RUN_DIR`), never from the runner's memory.

import { z } from "zod";

export const phases = ["INIT", "BASELINE_CHECK", "FAULT_INJECTION", "MONITORING", "ROLLBACK", "POST_VALIDATION", "REPORT"] as const;
export type Phase = (typeof phases)[number];
export const verdicts = ["passed", "failed", "aborted"] as const;
export type Verdict = (typeof verdicts)[number];

const at = z.iso.datetime();

export const timelineEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("run"), at, runId: z.string(), scenario: z.string(), version: z.string(), definitionHash: z.string(), envStack: z.string(), dryRun: z.boolean() }),
  z.object({ type: z.literal("phase"), at, phase: z.enum(phases), step: z.number().int().nonnegative().optional() }),
  z.object({ type: z.literal("step"), at, step: z.number().int().nonnegative(), name: z.string(), status: z.enum(["started", "finished", "skipped"]) }),
  /** One probe evaluation: the sample's own time and the decision time are both kept (metrics lag). */
  z.object({
    type: z.literal("probe"),
    at,
    probe: z.string(),
    sampleAt: at.nullable(),
    value: z.number().nullable(),
    /** no-data: no sample, or a sample older than 2 × the scrape interval — it fails, never passes. */
    decision: z.enum(["pass", "fail", "no-data"]),
    abortBreach: z.boolean(),
    /** Series the query returned when more than one: the value is the worst of them for the threshold. */
    series: z.number().int().optional(),
    worst: z.record(z.string(), z.string()).optional(),
    /** Why there was no data (no series, NaN, a sample too old, Prometheus did not answer). */
    reason: z.string().optional(),
  }),
  /** Fault lifecycle; `agentAt` is the agent's own timestamp (appliedAt / revertedAt). */
  z.object({
    type: z.literal("fault"),
    at,
    action: z.enum(["planned", "apply", "active", "revert", "reverted", "failed"]),
    faultId: z.string(),
    kind: z.string(),
    targets: z.array(z.string()),
    step: z.number().int().nonnegative(),
    node: z.string().optional(),
    mechanism: z.string().optional(),
    agentAt: at.optional(),
    ms: z.number().optional(),
    detail: z.string().optional(),
  }),
  z.object({ type: z.literal("abort"), at, phase: z.enum(phases), reason: z.string(), probe: z.string().optional(), sampleAt: at.optional() }),
  z.object({ type: z.literal("slo"), at, slo: z.string(), step: z.number().int().nonnegative(), measuredMs: z.number().nullable(), withinMs: z.number(), pass: z.boolean() }),
  z.object({ type: z.literal("note"), at, text: z.string() }),
  z.object({ type: z.literal("verdict"), at, verdict: z.enum(verdicts), reasons: z.array(z.string()) }),
]);
export type TimelineEvent = z.infer<typeof timelineEvent>;
