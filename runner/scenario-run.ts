// The executor of a scenario run: plans against the live environment, walks the phases (phases.ts),
// judges every interval against Prometheus (hypothesis.ts), injects each step as one update of the
// run's own run stack, and aborts safely — every fault reverted at once straight at the agents, then
// the run stack reconciled. Everything that happens is appended to the run directory's timeline as it
// happens; the verdict and the reports are computed from that directory.

import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { AgentClient } from "../agent/client.ts";
import { missingFor, type FaultPlan } from "../faults/catalog.ts";
import { missingCapabilities, needs, type CapabilityName } from "../faults/capabilities.ts";
import { parseDuration } from "../faults/duration.ts";
import { FaultInputError } from "../faults/errors.ts";
import { readEnvironment } from "../lifecycle/environment.ts";
import type { EnvironmentOutputs } from "../lifecycle/outputs.ts";
import { defaultRunsDir, meshSeries, RunDirectory, type NewEvent } from "./artifacts.ts";
import { clientsFor, holders, LeaseKeeper, runStackFault, type AgentAccess } from "./fault-run.ts";
import { revertFaults } from "./fault-inventory.ts";
import { describeThreshold, evaluateAll, type ProbeEvaluation } from "./hypothesis.ts";
import { PhaseMachine } from "./phases.ts";
import { blastLimits, planScenario, planStep, PlanRefused, type PlannedStep, type ScenarioPlan } from "./planner.ts";
import { PrometheusClient } from "./prometheus.ts";
import { writeRunner } from "./recover.ts";
import { RunStack, type RunStackFault } from "./run-stack.ts";
import type { Policy, Probe, Scenario } from "./scenario/model.ts";
import { loadPolicyOrThrow } from "./scenario/policy.ts";
import { ScenarioInputError } from "./scenario/problems.ts";
import { convergenceMs, sloBaseline, sloSpec, type SloSpec } from "./slo.ts";
import type { Verdict } from "./timeline.ts";
import { placementOf, platformRefusals } from "./members.ts";
import { readTopology, type LiveTopology } from "./topology.ts";

export interface ScenarioRunOptions {
  readonly scenario: Scenario;
  /** The file as run (written to the run directory as scenario.yaml). */
  readonly sourceText: string;
  readonly file: string;
  readonly definitionHash: string;
  readonly envStack: string;
  readonly runsDir?: string;
  readonly dryRun?: boolean;
  /** Agent lease of every fault, renewed every third of it: a killed runner leaves a fault this long at most. */
  readonly leaseSeconds?: number;
  readonly signal?: AbortSignal;
  readonly policy?: Policy;
  readonly runId?: string;
  /** Progress lines for a human (stderr). */
  readonly onProgress?: (line: string) => void;
  /** The Pulumi engine's own output. */
  readonly onOutput?: (line: string) => void;
}

export interface ScenarioRunResult {
  readonly runId: string;
  readonly verdict: Verdict;
  readonly reasons: readonly string[];
  readonly runDir: string;
  readonly reports: { readonly json: string; readonly junit: string; readonly markdown: string; readonly html: string } | null;
  readonly bundle: string | null;
  /** Set when writing the bundle (or the reports) failed: the run's artifact step failed loudly. */
  readonly artifactError?: string;
}

/** Input the run refuses before anything runs (exit 2). */
export class ScenarioRefused extends Error {
  override name = "ScenarioRefused";
}

export const newRunId = (scenario: string, now = new Date()): string =>
  `${now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}-${scenario.slice(0, 24).replace(/-$/, "")}-${randomBytes(2).toString("hex")}`;

const ms = (text: string, name: string) => parseDuration(text, { name, minMs: 1, maxMs: 24 * 3_600_000 });
const iso = (t: number) => new Date(t).toISOString();

/** The environment as the plan needs it (control URLs), refusing clearly when it is not there. */
async function environment(envStack: string): Promise<EnvironmentOutputs> {
  try {
    return await readEnvironment(envStack);
  } catch (error) {
    throw new ScenarioRefused(`${(error as Error).message}`);
  }
}

/** Agent capabilities the plan needs, asked of each agent it touches: what is missing refuses the run. */
async function capabilityProblems(scenario: Scenario, plan: ScenarioPlan, access: AgentAccess): Promise<string[]> {
  const problems: string[] = [];
  const caps = new Map(
    await Promise.all(
      access.nodes.map(async (n) => [n.name, await new AgentClient(n.agentUrl, access.agentToken, { timeoutMs: 5_000 }).capabilities().catch((e: Error) => e)] as const),
    ),
  );
  const wanted = scenario.prerequisites.capabilities as CapabilityName[];
  for (const [node, c] of caps) {
    if (c instanceof Error) {
      problems.push(`agent of ${node} did not answer: ${c.message}`);
      continue;
    }
    for (const m of missingCapabilities(needs(wanted), c)) problems.push(`prerequisites.capabilities: ${node} lacks ${m}`);
  }
  for (const step of plan.steps) {
    if (step.type !== "faults") continue;
    for (const f of step.faults) {
      for (const r of f.agentRequests) {
        const c = caps.get(r.node);
        if (c && !(c instanceof Error)) for (const m of missingFor(f.kind, c)) problems.push(`steps[${step.index}] ${f.kind} on ${r.node}: missing ${m}`);
      }
    }
  }
  return problems;
}

export interface PreparedRun {
  readonly runId: string;
  readonly env: EnvironmentOutputs;
  readonly topology: LiveTopology;
  readonly plan: ScenarioPlan;
  readonly policy: Policy;
}

/** Plans a scenario against the live environment (`scenario plan`, and the first thing a run does). */
export async function prepareRun(scenario: Scenario, envStack: string, options: { runId?: string; policy?: Policy; checkCapabilities?: boolean } = {}): Promise<PreparedRun> {
  const runId = options.runId ?? newRunId(scenario.metadata.name);
  let policy: Policy;
  try {
    policy = options.policy ?? (await loadPolicyOrThrow());
  } catch (error) {
    if (error instanceof ScenarioInputError) throw new ScenarioRefused(`the blast-radius policy is not valid (nothing was run):\n  ${error.message}`);
    throw error;
  }
  const env = await environment(envStack);
  const topology = await readTopology(env.nodes);
  let plan: ScenarioPlan;
  try {
    plan = planScenario(scenario, topology, { runId, envStack, policy });
  } catch (error) {
    if (error instanceof PlanRefused || error instanceof FaultInputError) throw new ScenarioRefused(error instanceof PlanRefused ? error.message : `plan refused (nothing was run):\n  ${error.message}`);
    throw error;
  }
  const refusals = platformRefusals(
    placementOf(envStack, env),
    plan.steps.flatMap((s) => (s.type === "faults" ? s.faults.map((f) => f.kind) : [])),
  );
  if (refusals.length > 0) throw new ScenarioRefused(`plan refused (nothing was run):\n  ${refusals.join("\n  ")}`);
  if (options.checkCapabilities !== false) {
    const problems = await capabilityProblems(scenario, plan, env);
    if (problems.length > 0) throw new ScenarioRefused(`plan refused (nothing was run):\n  ${problems.join("\n  ")}`);
  }
  return { runId, env, topology, plan, policy };
}

interface Injected {
  readonly step: number;
  readonly plans: readonly FaultPlan[];
  readonly keepers: readonly LeaseKeeper[];
  readonly injectedAt: number;
}

/** Runs a scenario to its verdict. Throws ScenarioRefused (nothing ran) for input or a plan the blast radius refuses. */
export async function runScenario(options: ScenarioRunOptions): Promise<ScenarioRunResult> {
  const { scenario, envStack } = options;
  const dryRun = options.dryRun ?? false;
  const leaseSeconds = options.leaseSeconds ?? 10;
  const say = options.onProgress ?? (() => {});
  const prepared = await prepareRun(scenario, envStack, { runId: options.runId, policy: options.policy });
  const { runId, env, plan } = prepared;
  const access: AgentAccess = env;
  const prom = new PrometheusClient(env.prometheusUrl);
  const interval = ms(scenario.steadyState.interval, "steadyState.interval");
  const warmup = ms(scenario.steadyState.warmup, "steadyState.warmup");
  const recoveryTimeout = ms(scenario.steadyState.recoveryTimeout, "steadyState.recoveryTimeout");
  const limits = blastLimits(scenario, prepared.policy);

  const dir = new RunDirectory(options.runsDir ?? defaultRunsDir, runId);
  const startedAt = Date.now();
  writeRunner(dir.dir);
  dir.writeText("scenario.yaml", options.sourceText);
  dir.writeJson("scenario.json", { scenario, definitionHash: options.definitionHash, file: options.file });
  dir.writeJson("plan.json", plan);
  dir.event({ type: "run", runId, scenario: scenario.metadata.name, version: scenario.metadata.version, definitionHash: options.definitionHash, envStack, dryRun });
  say(`run ${runId}: ${scenario.metadata.name} ${scenario.metadata.version} on ${envStack}${dryRun ? " (dry run: nothing is injected)" : ""}; run directory ${dir.dir}`);

  const machine = new PhaseMachine((c) => {
    dir.event({ type: "phase", phase: c.phase, ...(c.step === undefined ? {} : { step: c.step }) });
    say(`phase ${c.phase}${c.step === undefined ? "" : ` (step ${c.step + 1})`}${c.aborting ? " — aborting" : ""}`);
  });

  let maxAgeMs: number;
  try {
    maxAgeMs = 2 * (await prom.scrapeIntervalMs());
  } catch (error) {
    dir.event({ type: "note", text: `could not read Prometheus's scrape interval (${(error as Error).message}); samples older than 2 s count as no data` });
    maxAgeMs = 2_000;
  }
  dir.event({ type: "note", text: `a sample older than ${maxAgeMs} ms (2 × the scrape interval) is no data; probes every ${interval} ms; fault leases ${leaseSeconds} s` });

  const failures: string[] = [];
  const injected: Injected[] = [];
  const everInjected = new Set<string>();
  let stack: RunStack | null = null;
  let stackGone = false;
  let abortReason: string | null = null;
  let injectionRounds: ProbeEvaluation[][] = [];
  /** The step under way (its "after" snapshot not taken yet). */
  let current: number | null = null;

  /** Records one evaluation round; returns the first abort breach, if any. */
  const record = (round: readonly ProbeEvaluation[], phase: string): ProbeEvaluation | undefined => {
    for (const e of round) {
      dir.event({
        type: "probe",
        at: iso(e.at),
        probe: e.probe,
        sampleAt: e.sampleAt === null ? null : iso(e.sampleAt),
        value: e.value === null || !Number.isFinite(e.value) ? null : e.value,
        decision: e.decision,
        abortBreach: e.abortBreach,
        ...(e.series > 1 && e.worst ? { series: e.series, worst: e.worst } : {}),
        ...(e.reason ? { reason: e.reason } : {}),
      });
      if (e.decision !== "pass") say(`  probe ${e.probe}: ${e.decision}${e.value === null ? "" : ` (${e.value})`}${e.reason ? `: ${e.reason}` : ""} [${phase}]`);
    }
    return round.find((e) => e.abortBreach);
  };
  const probeOf = (name: string): Probe => scenario.steadyState.probes.find((p) => p.name === name)!;

  /** The fast path: every fault of the run reverted at once at the agents, in parallel; then the run stack reconciled. */
  const abort = async (reason: string, breach?: ProbeEvaluation): Promise<void> => {
    const from = machine.phase;
    if (!machine.abort(reason)) return;
    abortReason = reason;
    dir.event({ type: "abort", phase: from, reason, ...(breach ? { probe: breach.probe, ...(breach.sampleAt === null ? {} : { sampleAt: iso(breach.sampleAt) }) } : {}) });
    say(`ABORT (${from}): ${reason}`);
    for (const i of injected) for (const k of i.keepers) k.stop();
    const ids = [...everInjected];
    if (dryRun || ids.length === 0) return;
    const kinds = new Map(injected.flatMap((i) => i.plans.map((p) => [p.id, p] as const)));
    for (const id of ids) {
      const p = kinds.get(id);
      dir.event({ type: "fault", action: "revert", faultId: id, kind: p?.kind ?? "unknown", targets: [...(p?.targets ?? [])], step: injected.find((i) => i.plans.some((x) => x.id === id))?.step ?? 0, detail: "abort: straight at the agents, all at once" });
    }
    // 1. Straight at the agents, every (agent, fault) at once: no listing first, the plan says who holds what.
    const holders = injected.flatMap((i) => i.plans.flatMap((p) => p.agentRequests.map((r) => ({ id: p.id, node: r.node, step: i.step }))));
    const done = new Set<string>();
    await Promise.all(
      holders.map(async (h) => {
        const node = access.nodes.find((n) => n.name === h.node)!;
        try {
          const r = await new AgentClient(node.agentUrl, access.agentToken, { timeoutMs: 10_000 }).revert(h.id);
          done.add(`${h.id}@${h.node}`);
          const p = kinds.get(h.id);
          dir.event({
            type: "fault",
            action: r.verified ? "reverted" : "failed",
            faultId: h.id,
            kind: p?.kind ?? r.kind,
            targets: [...(p?.targets ?? [])],
            step: h.step,
            node: h.node,
            agentAt: r.revertedAt,
            ms: Math.round(r.revertMs),
            ...(r.verified ? {} : { detail: `revert not verified: ${r.evidence.lines.join("; ")}` }),
          });
          if (!r.verified) failures.push(`fault ${h.id} on ${h.node}: revert not verified`);
        } catch {
          // 404: this agent did not hold it (not applied yet, or its lease already reverted it); the sweep below checks.
        }
      }),
    );
    // 2. A sweep of every agent for anything of the run still held, then the run stack reconciled (destroyed).
    try {
      const outcome = await revertFaults(envStack, access, { ids });
      for (const r of outcome.reverted.filter((x) => !done.has(`${x.id}@${x.nodeId}`))) {
        const p = kinds.get(r.id);
        dir.event({
          type: "fault",
          action: r.verified ? "reverted" : "failed",
          faultId: r.id,
          kind: p?.kind ?? "unknown",
          targets: [...(p?.targets ?? [])],
          step: injected.find((i) => i.plans.some((x) => x.id === r.id))?.step ?? 0,
          node: r.nodeId,
          agentAt: r.revertedAt,
          ms: Math.round(r.revertMs),
          detail: "found by the sweep after the fast revert",
        });
        if (!r.verified) failures.push(`fault ${r.id} on ${r.nodeId}: revert not verified`);
      }
      if (stack && outcome.runStacksDestroyed.includes(stack.name)) stackGone = true;
    } catch (error) {
      dir.event({ type: "note", text: `abort sweep at the agents failed: ${(error as Error).message}; the run stack's destroy and the agents' leases (${leaseSeconds} s) remain` });
    }
    injected.length = 0;
  };

  const signalled = () => options.signal?.aborted === true;
  const signalReason = () => `interrupted: ${String((options.signal?.reason as Error | undefined)?.message ?? "signal")}`;

  /**
   * Probes every interval for `durationMs`, or until `until` says stop. Aborts on a breach, a signal or a
   * lost lease. Returns the evaluations (empty when aborted).
   */
  const watch = async (phase: string, wantedMs: number, until?: (round: readonly ProbeEvaluation[]) => boolean): Promise<ProbeEvaluation[][] | null> => {
    // A dry run holds no fault: one round per phase shows every probe answers, without the waits.
    const durationMs = dryRun ? Math.min(wantedMs, interval) : wantedMs;
    const rounds: ProbeEvaluation[][] = [];
    const start = Date.now();
    for (let n = 0; ; n++) {
      if (signalled()) return (await abort(signalReason()), null);
      const lost = injected.find((i) => i.keepers.some((k) => k.lost));
      if (lost) return (await abort(`a fault of step ${lost.step + 1} is no longer held by its agent (lease lost or agent restarted)`), null);
      const round = await evaluateAll(prom, scenario.steadyState.probes, { maxAgeMs });
      rounds.push(round);
      const breach = record(round, phase);
      if (breach) {
        const p = probeOf(breach.probe);
        await abort(`probe ${breach.probe} left its abort threshold: ${breach.value} (sample at ${breach.sampleAt === null ? "?" : iso(breach.sampleAt)}, decided at ${iso(breach.at)}; abort unless ${describeThreshold(p.abort!)})`, breach);
        return null;
      }
      if (until?.(round)) return rounds;
      const nextAt = start + (n + 1) * interval;
      if (nextAt - start > durationMs) return rounds;
      try {
        await sleep(Math.max(0, nextAt - Date.now()), undefined, { signal: options.signal });
      } catch {
        // the signal: handled at the top of the loop
      }
    }
  };

  /** Probes every interval in the background (while an engine update runs); a breach aborts at once. */
  const guard = (phase: string): { stop: () => Promise<ProbeEvaluation[][]> } => {
    const rounds: ProbeEvaluation[][] = [];
    let stopped = false;
    const loop = (async () => {
      while (!stopped && !machine.aborted) {
        const started = Date.now();
        const round = await evaluateAll(prom, scenario.steadyState.probes, { maxAgeMs });
        if (stopped) break;
        rounds.push(round);
        const breach = record(round, phase);
        if (breach) {
          await abort(`probe ${breach.probe} left its abort threshold: ${breach.value} (sample at ${breach.sampleAt === null ? "?" : iso(breach.sampleAt)}, decided at ${iso(breach.at)}; abort unless ${describeThreshold(probeOf(breach.probe).abort!)})`, breach);
          break;
        }
        if (signalled()) {
          await abort(signalReason());
          break;
        }
        await sleep(Math.max(0, started + interval - Date.now()));
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
        return rounds;
      },
    };
  };

  const failedRounds = (rounds: readonly ProbeEvaluation[][], where: string): void => {
    const bad = rounds.flat().filter((e) => e.decision !== "pass");
    const byProbe = new Map<string, ProbeEvaluation[]>();
    for (const e of bad) byProbe.set(e.probe, [...(byProbe.get(e.probe) ?? []), e]);
    for (const [probe, list] of byProbe) {
      const first = list[0]!;
      failures.push(`probe ${probe} did not hold ${where}: ${list.length} of ${rounds.length} evaluations (first: ${first.decision}${first.value === null ? "" : ` value ${first.value}`} at ${iso(first.at)}${first.reason ? `, ${first.reason}` : ""})`);
    }
  };

  const keepersFor = (plans: readonly FaultPlan[]) =>
    plans.map((p) => new LeaseKeeper(clientsFor(access, p.agentRequests.map((r) => r.node), { timeoutMs: 5_000 }), p.id, leaseSeconds));

  const runStackFaults = (plans: readonly FaultPlan[]): RunStackFault[] => plans.map((p) => ({ ...runStackFault(p, leaseSeconds), ttlSeconds: leaseSeconds }));

  const faultEvent = (action: "planned" | "apply" | "active" | "revert" | "reverted" | "failed", p: FaultPlan, step: number, extra: Record<string, unknown> = {}) =>
    dir.event({ type: "fault", action, faultId: p.id, kind: p.kind, targets: [...p.targets], step, mechanism: p.mechanism, ...extra } as NewEvent);

  try {
    stack = await RunStack.open(envStack, runId, { onOutput: options.onOutput });

    // BASELINE_CHECK: the probes must hold over the warm-up window before anything is injected.
    machine.enter("BASELINE_CHECK");
    const baseline = await watch("baseline", warmup);
    if (baseline) {
      const bad = baseline.flat().filter((e) => e.decision !== "pass");
      if (bad.length > 0) {
        const e = bad[0]!;
        await abort(`unhealthy baseline: probe ${e.probe} ${e.decision === "no-data" ? `returned no data (${e.reason ?? ""})` : `was ${e.value}, expected ${describeThreshold(probeOf(e.probe).threshold)}`} — nothing was injected`);
      }
    }

    for (const step of scenario.steps.entries()) {
      if (machine.aborted) break;
      const [index, definition] = step;
      current = index;
      // Targets resolved now, against the topology as it is at this step.
      const topology = await readTopology(env.nodes);
      let planned: PlannedStep;
      try {
        planned = planStep(definition, index, topology, runId, limits);
      } catch (error) {
        await abort(`step ${index + 1} cannot be planned against the topology of now: ${(error as Error).message}`);
        break;
      }
      dir.event({ type: "step", step: index, name: planned.name, status: "started" });
      await dir.snapshotTopology(env.nodes, index, "before", planned.name);

      if (planned.type === "pause" || planned.type === "wait-until") {
        machine.enter("MONITORING", index);
        if (planned.type === "pause") {
          const rounds = await watch(`step ${index + 1} pause`, planned.durationMs);
          if (rounds) failedRounds(rounds, `during step ${index + 1} (pause)`);
        } else {
          const rounds = await watch(`step ${index + 1} wait`, planned.timeoutMs, (r) => r.some((e) => e.probe === planned.probe && e.decision === "pass"));
          if (rounds && !rounds.at(-1)!.some((e) => e.probe === planned.probe && e.decision === "pass")) {
            failures.push(`step ${index + 1}: probe ${planned.probe} did not hold within ${planned.timeoutMs} ms`);
          }
        }
      } else {
        // FAULT_INJECTION: one update of the run stack adds every fault of the step.
        machine.enter("FAULT_INJECTION", index);
        const sloBase = await sloBaseline(prom, topology.terms["global-control"]);
        for (const p of planned.faults) faultEvent("planned", p, index, { detail: p.description });
        let injectedAt = Date.now();
        if (dryRun) {
          for (const p of planned.faults) say(`  would ${p.description.replace(/^would /, "")}`);
          try {
            const preview = await stack.preview(runStackFaults(planned.faults));
            dir.writeText(`preview-step-${String(index).padStart(2, "0")}.txt`, preview);
          } catch (error) {
            failures.push(`step ${index + 1}: pulumi preview of the run stack failed: ${(error as Error).message}`);
          }
        } else {
          const keepers = keepersFor(planned.faults);
          for (const p of planned.faults) {
            faultEvent("apply", p, index);
            everInjected.add(p.id);
          }
          injected.push({ step: index, plans: planned.faults, keepers, injectedAt });
          // The agents apply while the engine is still busy (state, plugin shutdown): the probes and the
          // abort thresholds are watched from the start of the update, not from its end.
          const guarding = guard(`step ${index + 1} injection`);
          try {
            await stack.set(runStackFaults(planned.faults));
          } catch (error) {
            await guarding.stop();
            for (const p of planned.faults) faultEvent("failed", p, index, { detail: (error as Error).message });
            await abort(`step ${index + 1}: a fault failed to apply or verify: ${(error as Error).message}`);
            break;
          }
          injectionRounds = await guarding.stop();
          if (machine.aborted) break;
          injectedAt = Date.now();
          // Verified active: every agent of every fault holds it, with its own appliedAt.
          const missing: string[] = [];
          const appliedAts: number[] = [];
          await Promise.all(
            planned.faults.map(async (p) => {
              await Promise.all(
                p.agentRequests.map(async (r) => {
                  const node = access.nodes.find((n) => n.name === r.node)!;
                  const held = (await new AgentClient(node.agentUrl, access.agentToken, { timeoutMs: 5_000 }).list().catch(() => ({ faults: [] }))).faults.find((f) => f.id === p.id);
                  if (held) {
                    appliedAts.push(Date.parse(held.appliedAt));
                    faultEvent("active", p, index, { node: r.node, mechanism: held.mechanism, agentAt: held.appliedAt, ms: Math.round(held.applyMs) });
                  }
                  else missing.push(`${p.id} on ${r.node}`);
                }),
              );
              if (p.surge) faultEvent("active", p, index, { detail: `${p.surge.count} joiner(s) started by the run stack` });
            }),
          );
          if (missing.length > 0) {
            await abort(`step ${index + 1}: the agents do not hold what the update applied: ${missing.join(", ")}`);
            break;
          }
          // The declared duration is how long the fault holds: it started at the first agent's apply,
          // while the engine was still finishing its update.
          if (appliedAts.length > 0) injectedAt = Math.min(injectedAt, ...appliedAts);
          say(`  step ${index + 1}: ${planned.faults.map((p) => `${p.id} (${p.kind} on ${p.targets.join(", ") || "the environment"})`).join(", ")} active; holding for ${planned.durationMs} ms`);
        }

        // MONITORING: probes every interval while the faults hold; leases renewed by the keepers.
        machine.enter("MONITORING", index);
        const monitored = await watch(`step ${index + 1}`, Math.max(0, planned.durationMs - (Date.now() - injectedAt)));
        if (!monitored) break;
        failedRounds([...injectionRounds, ...monitored], `while step ${index + 1}'s faults held (the hypothesis)`);
        injectionRounds = [];

        // ROLLBACK: one update removes them.
        machine.enter("ROLLBACK", index);
        if (!dryRun) {
          for (const p of planned.faults) faultEvent("revert", p, index);
          try {
            await stack.set([]);
          } catch (error) {
            await abort(`step ${index + 1}: rollback update failed: ${(error as Error).message}`);
            break;
          }
          const current = injected.pop();
          for (const k of current?.keepers ?? []) k.stop();
          for (const p of planned.faults) {
            const still = await holders(clientsFor(access, p.agentRequests.map((r) => r.node), { timeoutMs: 5_000 }), p.id);
            faultEvent(still.length === 0 ? "reverted" : "failed", p, index, still.length === 0 ? { detail: "no agent holds it" } : { detail: `still held by ${still.join(", ")}` });
            if (still.length > 0) failures.push(`fault ${p.id}: still held by ${still.join(", ")} after the rollback`);
            else everInjected.delete(p.id);
          }
        }
        const rolledBackAt = Date.now();

        // POST_VALIDATION: the probes hold again within the recovery timeout; convergence SLOs measured.
        machine.enter("POST_VALIDATION", index);
        // A new leader is only expected after a step that took the leader away: a kill, pause or
        // partition of the node that led global-control when the step began.
        const leaderLosing = new Set(["leader-kill", "process-kill", "process-pause", "network-partition"]);
        const tookLeader = planned.faults.some((p) => leaderLosing.has(p.kind) && p.targets.includes(topology.leaders["global-control"] ?? ""));
        const specs: { name: string; spec: SloSpec }[] = dryRun
          ? []
          : scenario.slos.filter((s) => s.kind !== "leader-elected" || tookLeader).map((s) => ({ name: s.name, spec: sloSpec(s, sloBase) }));
        const settled = new Map<string, number | null>();
        const recovered = await watch(`step ${index + 1} recovery`, recoveryTimeout, (round) => round.every((e) => e.decision === "pass"));
        if (!recovered) break;
        if (!recovered.at(-1)!.every((e) => e.decision === "pass")) {
          failedRounds([recovered.at(-1)!], `within the recovery timeout (${recoveryTimeout} ms) after step ${index + 1}`);
        }
        // SLOs: wait until each converged or its bound passed (measured from Prometheus range data).
        while (specs.some((s) => !settled.has(s.name))) {
          for (const s of specs) {
            if (settled.has(s.name)) continue;
            const from = s.spec.from === "injection" ? injectedAt : rolledBackAt;
            const measured = await convergenceMs(prom, s.spec, from, Date.now()).catch(() => null);
            if (measured !== null || Date.now() - from > s.spec.withinMs + maxAgeMs) settled.set(s.name, measured);
          }
          if (specs.some((s) => !settled.has(s.name))) {
            if (signalled()) {
              await abort(signalReason());
              break;
            }
            await sleep(Math.min(interval, 1_000));
          }
        }
        if (machine.aborted) break;
        for (const s of specs) {
          const measured = settled.get(s.name) ?? null;
          const pass = measured !== null && measured <= s.spec.withinMs;
          dir.event({ type: "slo", slo: s.name, step: index, measuredMs: measured, withinMs: s.spec.withinMs, pass });
          say(`  SLO ${s.name}: ${measured === null ? "not converged" : `${measured} ms`} (within ${s.spec.withinMs} ms) ${pass ? "ok" : "FAILED"}`);
          if (!pass) failures.push(`SLO ${s.name} after step ${index + 1}: ${measured === null ? "did not converge" : `${measured} ms`}, expected within ${s.spec.withinMs} ms`);
        }
      }
      await dir.snapshotTopology(env.nodes, index, "after", planned.name);
      current = null;
      dir.event({ type: "step", step: index, name: planned.name, status: "finished" });
    }
    // A scenario that ends on a pause or wait: one recovery check before the report.
    if (!machine.aborted && machine.phase === "MONITORING") {
      machine.enter("POST_VALIDATION");
      const recovered = await watch("final recovery", recoveryTimeout, (round) => round.every((e) => e.decision === "pass"));
      if (recovered && !recovered.at(-1)!.every((e) => e.decision === "pass")) failedRounds([recovered.at(-1)!], "at the end of the run");
    }
  } catch (error) {
    // A runner error is an abort too: the faults go first, then the error is reported.
    await abort(`runner error: ${(error as Error).message}`);
  } finally {
    for (const i of injected) for (const k of i.keepers) k.stop();
    if (stack && !stackGone) {
      try {
        await stack.destroyAndRemove();
      } catch (error) {
        dir.event({ type: "note", text: `destroy of run stack ${stack.name} failed: ${(error as Error).message}; \`meshkit-chaos scenario recover ${runId} --stack ${envStack}\` reconciles it` });
        failures.push(`run stack ${stack.name} could not be destroyed`);
      }
    }
  }

  if (current !== null) await dir.snapshotTopology(env.nodes, current, "after", `aborted step ${current + 1}`).catch(() => undefined);
  machine.finish();
  const verdict: Verdict = abortReason !== null ? "aborted" : failures.length > 0 ? "failed" : "passed";
  const reasons = abortReason !== null ? [abortReason, ...failures] : failures;
  dir.event({ type: "verdict", verdict, reasons });
  say(`verdict: ${verdict}${reasons.length > 0 ? `\n  ${reasons.join("\n  ")}` : ""}`);
  return finishArtifacts({ dir, prom, envStack, scenario, startedAt, warmup, verdict, reasons, secrets: [env.agentToken], say });
}

async function finishArtifacts(a: {
  dir: RunDirectory;
  prom: PrometheusClient;
  envStack: string;
  scenario: Scenario;
  startedAt: number;
  warmup: number;
  verdict: Verdict;
  reasons: string[];
  secrets: string[];
  say: (line: string) => void;
}): Promise<ScenarioRunResult> {
  const endedAt = Date.now();
  const start = (a.startedAt - Math.min(a.warmup, 10_000)) / 1000;
  await a.dir.captureMetrics(
    a.prom,
    [
      ...a.scenario.steadyState.probes.map((p) => ({ file: p.name, name: p.name, query: p.query, threshold: p.threshold, ...(p.abort ? { abort: p.abort } : {}) })),
      ...meshSeries.map((s) => ({ file: `mesh-${s.name}`, name: `mesh-${s.name}`, query: s.query })),
    ],
    start,
    endedAt / 1000 + 2,
  );
  await a.dir.captureLogs(a.envStack, new Date(a.startedAt - 1_000), new Date(endedAt + 1_000));
  await a.dir.recordVersions(a.envStack, a.prom);
  let reports: ScenarioRunResult["reports"] = null;
  let artifactError: string | undefined;
  // The verdict a pipeline branches on is the one judged from the run directory (timeline first),
  // the same one every report states; the runner's own is kept in the timeline.
  let verdict = a.verdict;
  let reasons = a.reasons;
  try {
    const rendered = await renderIfAvailable(a.dir.dir);
    reports = rendered.reports;
    if (rendered.verdict !== a.verdict) a.say(`judged from the timeline: ${rendered.verdict} (the runner saw ${a.verdict})`);
    verdict = rendered.verdict;
    reasons = [...rendered.reasons];
  } catch (error) {
    artifactError = `rendering the reports failed: ${(error as Error).message}`;
  }
  let bundle: string | null = null;
  try {
    bundle = await a.dir.bundle(a.secrets);
  } catch (error) {
    artifactError = [artifactError, (error as Error).message].filter(Boolean).join("; ");
  }
  if (artifactError) a.say(`ARTIFACTS FAILED: ${artifactError}`);
  else a.say(`artifacts: ${a.dir.dir} and ${bundle}`);
  return { runId: a.dir.runId, verdict, reasons, runDir: a.dir.dir, reports, bundle, ...(artifactError ? { artifactError } : {}) };
}

/** The reports and their verdict (runner/report/render.ts), computed from the run directory alone. */
async function renderIfAvailable(runDir: string) {
  const { renderReports } = await import("./report/render.ts");
  return renderReports(runDir);
}
