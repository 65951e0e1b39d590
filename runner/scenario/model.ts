// The scenario DSL (scenarios/*.yaml) as zod schemas: the one definition that lint, the JSON Schema
// (scenario schema), the planner and the reports read. A file holds one scenario or a list of them.
// Durations are strings ("30s", "500ms") parsed by faults/duration.ts; unknown keys are errors.

import { z } from "zod";
import { faultKinds } from "../../contract/meshkit.ts";

const durationHint = "expected a duration such as 500ms, 30s, 2m (a number with a unit)";
const duration = z.string({ error: durationHint }).regex(/^-?(\d+(\.\d+)?(ms|s|m|h))+$/, durationHint);
const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "expected lower-case letters, digits and '-'");

/** A comparison of a probe's value with a number: `{ op: "<", value: 0.01 }`. */
export const threshold = z.strictObject({
  op: z.enum(["<", "<=", ">", ">=", "==", "!="]),
  value: z.number(),
});

/** A steady-state probe: a PromQL query whose (single) value must satisfy `threshold` every interval. */
export const probe = z.strictObject({
  name,
  query: z.string().min(1),
  /** The steady state holds while the value satisfies this. */
  threshold,
  /** Stricter bound: when the value no longer satisfies this, the run aborts at once. */
  abort: threshold.optional(),
  description: z.string().optional(),
});

export const steadyState = z.strictObject({
  probes: z.array(probe).min(1),
  /** Evaluation interval of every probe. */
  interval: duration.default("2s"),
  /** Baseline window before the first fault: the probes must hold during it. */
  warmup: duration.default("10s"),
  /** After the last rollback, the probes must hold again within this. */
  recoveryTimeout: duration.default("60s"),
});

/** One fault of a step: a catalog kind with the same parameters as `meshkit-chaos fault apply`. */
export const faultStep = z.strictObject({
  name: name.optional(),
  fault: z.enum(faultKinds),
  /** Target selector: node names, all, count:N, percent:P, role:leader[:scope]. */
  targets: z.string().optional(),
  duration,
  intensity: z.number().min(0).max(1).optional(),
  /** The kind's parameters (as `--set key=value`). */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).default({}),
});

export const pauseStep = z.strictObject({ pause: duration });
export const waitUntilStep = z.strictObject({
  waitUntil: z.strictObject({ probe: name, timeout: duration }),
});
export const parallelStep = z.strictObject({ parallel: z.array(faultStep).min(2) });
export const step = z.union([faultStep, parallelStep, pauseStep, waitUntilStep]);

/** Convergence SLOs, measured from Prometheus after each fault's rollback (or injection, per kind). */
export const slo = z.strictObject({
  name,
  /** What converges: a new leader, all members Alive, shards rebalanced, replication lag under a bound, or any query. */
  kind: z.enum(["leader-elected", "members-alive", "shards-rebalanced", "replication-lag", "query"]),
  /** For `query` (and to override a kind's default query): becomes true (non-zero) when converged. */
  query: z.string().optional(),
  /** For replication-lag: bound in milliseconds. */
  boundMs: z.number().positive().optional(),
  within: duration,
});

export const blastRadius = z.strictObject({
  /** At most this many nodes faulted at once. */
  maxTargets: z.number().int().positive().optional(),
  /** At most this share of the nodes faulted at once, in percent. */
  maxPercent: z.number().min(1).max(100).optional(),
  /** For request-level faults (http-fault, invalid-signature): at most this share of traffic. */
  trafficShare: z.number().min(0).max(1).optional(),
});

export const scenario = z.strictObject({
  apiVersion: z.literal("meshkit-chaos/v1"),
  kind: z.literal("Scenario"),
  metadata: z.strictObject({
    name,
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "expected a semantic version such as 1.0.0"),
    owner: z.string().min(1),
    description: z.string().min(1),
    tags: z.array(z.string()).default([]),
  }),
  prerequisites: z
    .strictObject({
      minNodes: z.number().int().min(1).default(3),
      /** Agent capabilities (agent/protocol.ts names, e.g. netAdmin, iptables.statisticMatch). */
      capabilities: z.array(z.string()).default([]),
      /** Environment stack the scenario is meant for (default: the CLI's --stack). */
      environment: z.string().optional(),
    })
    .prefault({}),
  steadyState,
  blastRadius: blastRadius.prefault({}),
  steps: z.array(step).min(1),
  slos: z.array(slo).default([]),
  /** What an operator does if the automatic rollback cannot finish (shown in reports). */
  rollback: z.array(z.string()).default([]),
});

/** A scenario file: one scenario or a list of them. */
export const scenarioFile = z.union([scenario, z.array(scenario).min(1)]);

export type Scenario = z.infer<typeof scenario>;
export type ScenarioInput = z.input<typeof scenario>;
export type Probe = z.infer<typeof probe>;
export type Threshold = z.infer<typeof threshold>;
export type FaultStep = z.infer<typeof faultStep>;
export type Step = z.infer<typeof step>;
export type Slo = z.infer<typeof slo>;

/** The project-wide blast-radius policy (scenarios/policy.yaml): a plan above it is refused. */
export const policy = z.strictObject({
  maxTargets: z.number().int().positive().default(2),
  maxPercent: z.number().min(1).max(100).default(67),
  maxTrafficShare: z.number().min(0).max(1).default(0.5),
});
export type Policy = z.infer<typeof policy>;

/** The shared leaf schemas, for the JSON Schema's named definitions. */
export { duration as durationText, name as identifier };
