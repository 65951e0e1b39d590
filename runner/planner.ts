// The planner: a scenario's steps against the live topology. Each fault step goes through the fault
// catalog (parseFaultRequest + planFault, the same path as `fault apply`), with random target picks
// seeded by the run id and fault ids derived from it, so `scenario plan`, a dry-run and the run pick
// alike. The blast radius — the scenario's own and the project policy's, the stricter of each — is
// enforced here: a plan above it is refused before anything runs.

import { createHash } from "node:crypto";
import { catalog, parseFaultRequest, planFault, type FaultPlan, type FaultRequest } from "../faults/catalog.ts";
import { parseDuration } from "../faults/duration.ts";
import { FaultInputError } from "../faults/errors.ts";
import type { Topology } from "../faults/targets.ts";
import type { FaultStep, Policy, Scenario, Step } from "./scenario/model.ts";

/** Kinds whose blast radius is a share of requests rather than (only) a set of nodes. */
const requestLevelKinds = new Set(["http-fault", "invalid-signature"]);

/** The limits a plan is held to: per field the stricter of the scenario's blastRadius and the policy. */
export interface BlastLimits {
  readonly maxTargets: number;
  readonly maxPercent: number;
  readonly maxTrafficShare: number;
  /** Where each limit comes from, for the refusal message. */
  readonly source: Readonly<Record<"maxTargets" | "maxPercent" | "maxTrafficShare", "scenario" | "policy">>;
}

export function blastLimits(scenario: Scenario, policy: Policy): BlastLimits {
  const pick = (own: number | undefined, cap: number): [number, "scenario" | "policy"] => (own !== undefined && own < cap ? [own, "scenario"] : [cap, "policy"]);
  const [maxTargets, t] = pick(scenario.blastRadius.maxTargets, policy.maxTargets);
  const [maxPercent, p] = pick(scenario.blastRadius.maxPercent, policy.maxPercent);
  const [maxTrafficShare, s] = pick(scenario.blastRadius.trafficShare, policy.maxTrafficShare);
  return { maxTargets, maxPercent, maxTrafficShare, source: { maxTargets: t, maxPercent: p, maxTrafficShare: s } };
}

export type PlannedStep =
  | { readonly index: number; readonly name: string; readonly type: "faults"; readonly faults: readonly FaultPlan[]; readonly durationMs: number }
  | { readonly index: number; readonly name: string; readonly type: "pause"; readonly durationMs: number }
  | { readonly index: number; readonly name: string; readonly type: "wait-until"; readonly probe: string; readonly timeoutMs: number };

export interface ScenarioPlan {
  readonly runId: string;
  readonly scenario: string;
  readonly version: string;
  readonly envStack: string;
  /** The topology the plan was resolved against (targets are resolved again at step time). */
  readonly topology: { readonly nodes: readonly string[]; readonly leaders: Readonly<Record<string, string | null>> };
  readonly limits: BlastLimits;
  readonly steps: readonly PlannedStep[];
}

/** A plan the blast radius or the environment does not allow: exit 2, nothing ran. */
export class PlanRefused extends Error {
  override name = "PlanRefused";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`plan refused (nothing was run):\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}

const faultsOf = (step: Step): FaultStep[] => ("fault" in step ? [step] : "parallel" in step ? step.parallel : []);

export const stepName = (step: Step, index: number): string => {
  if ("pause" in step) return `pause ${step.pause}`;
  if ("waitUntil" in step) return `wait until ${step.waitUntil.probe}`;
  return faultsOf(step)
    .map((f, i) => f.name ?? `${f.fault}${faultsOf(step).length > 1 ? `-${i + 1}` : ""}`)
    .join(" + ") || `step ${index + 1}`;
};

/** A scenario fault as a catalog request (the same parsing and bounds as `fault apply`). */
export function faultRequestOf(f: FaultStep): FaultRequest {
  const set: Record<string, string | number | boolean | readonly string[]> = { ...f.params };
  if (f.intensity !== undefined) set.intensity = f.intensity;
  return parseFaultRequest({ kind: f.fault, targets: f.targets ?? null, set, duration: f.duration });
}

/** Fault ids from the run id: stable between the plan, a dry-run and the run of one run id. */
export const faultIdFor = (runId: string, kind: FaultStep["fault"], step: number, i: number): string =>
  `${catalog[kind].abbrev}-${createHash("sha256").update(`${runId}:${step}:${i}`).digest("hex").slice(0, 6)}`;

const durationMs = (text: string, name: string): number => parseDuration(text, { name, minMs: 0, maxMs: 24 * 3_600_000 });

/**
 * Plans one step against the topology as it is now. Throws FaultInputError for a fault the catalog
 * refuses (bad parameters, a target the environment lacks) and PlanRefused above the blast radius.
 */
export function planStep(step: Step, index: number, topology: Topology, runId: string, limits: BlastLimits, namespace?: string): PlannedStep {
  const name = stepName(step, index);
  if ("pause" in step) return { index, name, type: "pause", durationMs: durationMs(step.pause, `steps[${index}].pause`) };
  if ("waitUntil" in step) {
    return { index, name, type: "wait-until", probe: step.waitUntil.probe, timeoutMs: durationMs(step.waitUntil.timeout, `steps[${index}].waitUntil.timeout`) };
  }
  const faults = faultsOf(step).map((f, i) => {
    try {
      return planFault(faultRequestOf(f), topology, runId, { id: faultIdFor(runId, f.fault, index, i), ...(namespace ? { namespace } : {}) });
    } catch (error) {
      if (error instanceof FaultInputError) throw new FaultInputError(error.problems.map((p) => `steps[${index}]${faultsOf(step).length > 1 ? `.parallel[${i}]` : ""}: ${p}`));
      throw error;
    }
  });
  const problems = blastProblems(faults, topology, limits, index);
  if (problems.length > 0) throw new PlanRefused(problems);
  return { index, name, type: "faults", faults, durationMs: Math.max(...faults.map((f) => f.durationMs)) };
}

/** What a step's faults, together (a parallel group acts at once), exceed of the limits. */
export function blastProblems(faults: readonly FaultPlan[], topology: Topology, limits: BlastLimits, index: number): string[] {
  const problems: string[] = [];
  const targeted = new Set(faults.flatMap((f) => f.targets).filter((t) => topology.nodes.includes(t)));
  const nodes = topology.nodes.length;
  const percent = nodes === 0 ? 0 : (targeted.size / nodes) * 100;
  const where = `steps[${index}]`;
  if (targeted.size > limits.maxTargets) {
    problems.push(`${where}: faults ${targeted.size} nodes at once (${[...targeted].join(", ")}); the ${limits.source.maxTargets} allows at most ${limits.maxTargets} (blastRadius.maxTargets / scenarios/policy.yaml maxTargets)`);
  }
  if (percent > limits.maxPercent) {
    problems.push(`${where}: faults ${Math.round(percent)} % of the ${nodes} nodes; the ${limits.source.maxPercent} allows at most ${limits.maxPercent} % (blastRadius.maxPercent / policy maxPercent)`);
  }
  for (const f of faults) {
    const share = f.params.share;
    if (requestLevelKinds.has(f.kind) && typeof share === "number" && share > limits.maxTrafficShare) {
      problems.push(`${where}: ${f.kind} ${f.id} affects a share of ${share} of the requests; the ${limits.source.maxTrafficShare} allows at most ${limits.maxTrafficShare} (blastRadius.trafficShare / policy maxTrafficShare)`);
    }
  }
  return problems;
}

export interface PlanContext {
  readonly runId: string;
  readonly envStack: string;
  readonly policy: Policy;
  /** Kubernetes namespace of the environment, for the faults' Chaos Mesh resources. */
  readonly namespace?: string;
}

/**
 * Plans every step against the current topology, collecting every problem: bad fault input and the
 * blast radius alike end in one PlanRefused (or FaultInputError) before anything runs.
 */
export function planScenario(scenario: Scenario, topology: Topology, context: PlanContext): ScenarioPlan {
  const limits = blastLimits(scenario, context.policy);
  const problems: string[] = [];
  if (topology.nodes.length < scenario.prerequisites.minNodes) {
    problems.push(`prerequisites.minNodes: the scenario needs at least ${scenario.prerequisites.minNodes} nodes; environment ${context.envStack} has ${topology.nodes.length}`);
  }
  const wanted = scenario.prerequisites.environment;
  if (wanted !== undefined && wanted !== context.envStack) {
    problems.push(`prerequisites.environment: the scenario is meant for stack ${wanted}, not ${context.envStack}; run it with --stack ${wanted}`);
  }
  const probeNames = new Set(scenario.steadyState.probes.map((p) => p.name));
  const steps: PlannedStep[] = [];
  scenario.steps.forEach((step, index) => {
    if ("waitUntil" in step && !probeNames.has(step.waitUntil.probe)) {
      problems.push(`steps[${index}].waitUntil.probe: no probe named ${step.waitUntil.probe} (probes: ${[...probeNames].join(", ")})`);
    }
    try {
      steps.push(planStep(step, index, topology, context.runId, limits, context.namespace));
    } catch (error) {
      if (error instanceof PlanRefused || error instanceof FaultInputError) problems.push(...(error instanceof PlanRefused ? error.problems : error.problems));
      else throw error;
    }
  });
  if (problems.length > 0) throw new PlanRefused(problems);
  return {
    runId: context.runId,
    scenario: scenario.metadata.name,
    version: scenario.metadata.version,
    envStack: context.envStack,
    topology: { nodes: [...topology.nodes], leaders: { ...topology.leaders } },
    limits,
    steps,
  };
}

/** The plan as a person reads it (`scenario plan`). */
export function describePlan(plan: ScenarioPlan): string[] {
  const lines = [
    `scenario ${plan.scenario} ${plan.version} on ${plan.envStack} (nodes: ${plan.topology.nodes.join(", ")}; leaders: ${Object.entries(plan.topology.leaders).map(([s, l]) => `${s}=${l ?? "none"}`).join(", ")})`,
    `blast radius: at most ${plan.limits.maxTargets} nodes (${plan.limits.source.maxTargets}), ${plan.limits.maxPercent} % (${plan.limits.source.maxPercent}), traffic share ${plan.limits.maxTrafficShare} (${plan.limits.source.maxTrafficShare})`,
  ];
  for (const s of plan.steps) {
    if (s.type === "pause") lines.push(`${s.index + 1}. pause for ${s.durationMs} ms`);
    else if (s.type === "wait-until") lines.push(`${s.index + 1}. wait until probe ${s.probe} holds (at most ${s.timeoutMs} ms)`);
    else {
      lines.push(`${s.index + 1}. ${s.name}${s.faults.length > 1 ? " (in parallel, one update)" : ""}:`);
      for (const f of s.faults) lines.push(`   ${f.id}: ${f.description}${f.targets.length > 0 ? ` [targets now: ${f.targets.join(", ")}]` : ""}`);
    }
  }
  return lines;
}
