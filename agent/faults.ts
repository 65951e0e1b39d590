// The faults this agent holds, and their life: validate → pick a mechanism → check capabilities →
// journal → apply (verified) → lease → revert (verified against the kernel snapshot) → forget.
// The API only translates HTTP to these calls; mechanisms (agent/mechanisms/) only touch the kernel.

import type { z } from "zod";
import { type FaultKind, faultKinds } from "../contract/meshkit.ts";
import type { CommandResult, KernelLock } from "./exec.ts";
import { type Journal, type JournalEntry } from "./journal.ts";
import { diffKernel, snapshotKernel } from "./kernel-state.ts";
import { LeaseWatch } from "./lease.ts";
import type { Logger } from "./log.ts";
import type { Mechanism, MechanismContext } from "./mechanisms/mechanism.ts";
import type { AgentMetrics } from "./metrics.ts";
import { agentParams } from "./params.ts";
import {
  type AppliedFault,
  type ApplyRequest,
  applyRequest,
  type Capabilities,
  type ErrorBody,
  type Evidence,
  type FaultsBody,
  type RevertedFault,
  renewRequest,
  revertReasons,
} from "./protocol.ts";

// biome-ignore lint: mechanisms differ in their params type; params are validated with `params` first.
export type AnyMechanism = Mechanism<any>;
export type MechanismRegistry = Partial<Record<FaultKind, readonly AnyMechanism[]>>;
type RevertReason = (typeof revertReasons)[number];

/** A result the API turns into a status and a body; errors are values so every path has its status. */
export type Outcome<T> = { readonly ok: true; readonly status: number; readonly value: T } | { readonly ok: false; readonly status: number; readonly error: ErrorBody };

const ok = <T>(status: number, value: T): Outcome<T> => ({ ok: true, status, value });
const failed = <T>(status: number, error: string, detail: string, missing?: string[]): Outcome<T> => ({
  ok: false,
  status,
  error: missing ? { error, detail, missing } : { error, detail },
});

/** `params.peers[0]`: the JSON path of a zod issue, as a user reads it. */
export const jsonPath = (prefix: string, path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc === "" ? String(p) : `${acc}.${String(p)}`), prefix);

const describeIssues = (error: z.ZodError, prefix: string): string =>
  error.issues.map((i) => `${jsonPath(prefix, i.path) || "(body)"}: ${i.message}`).join("; ");

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const tagOf = (id: string): string => `mkc-${id}`;

const recentRevertsKept = 50;
const evidenceDiffLines = 20;

interface Held {
  readonly request: ApplyRequest;
  readonly mechanism: AnyMechanism;
  readonly params: unknown;
  readonly ctx: MechanismContext;
  readonly entry: JournalEntry;
  phase: "applying" | "active" | "reverting";
  applied: AppliedFault | null;
  leaseExpiresAtMs: number;
  /** Another fault was applied or reverted while this one was held: its snapshot is not the whole truth. */
  disturbed: boolean;
  /** Settles when the current apply or revert finishes; a DELETE during apply waits for it. */
  busy: Promise<unknown>;
}

export interface FaultManagerDeps {
  readonly nodeId: string;
  readonly dataDir: string;
  /** `${dataDir}/.meshkit-agent`: the journal and mechanisms' private files. */
  readonly stateDir: string;
  readonly journal: Journal;
  readonly lock: KernelLock;
  readonly run: (file: string, args: readonly string[]) => Promise<CommandResult>;
  readonly capabilities: () => Capabilities;
  readonly nodePid: () => number | null;
  readonly mechanisms: MechanismRegistry;
  readonly metrics: Pick<AgentMetrics, "applyDuration" | "revertDuration" | "leaseExpirations">;
  readonly log: Logger;
}

export class FaultManager {
  readonly #deps: FaultManagerDeps;
  readonly #held = new Map<string, Held>();
  readonly #recentReverts: RevertedFault[] = [];
  readonly #lease: LeaseWatch;
  #stopping = false;

  constructor(deps: FaultManagerDeps) {
    this.#deps = deps;
    this.#lease = new LeaseWatch(
      () => [...this.#held.values()].filter((h) => h.phase === "active").map((h) => ({ id: h.request.id, leaseExpiresAtMs: h.leaseExpiresAtMs })),
      (id) => {
        const h = this.#held.get(id);
        if (h?.phase !== "active") return;
        this.#deps.metrics.leaseExpirations.inc({ kind: h.request.kind });
        this.#deps.log.warn("lease expired; reverting", { id, kind: h.request.kind });
        void this.#revert(h, "lease-expired");
      },
    );
  }

  startLeases(): void {
    this.#lease.start();
  }

  countByKind(): ReadonlyMap<FaultKind, number> {
    const counts = new Map<FaultKind, number>(faultKinds.map((k) => [k, 0]));
    for (const h of this.#held.values()) if (h.phase === "active") counts.set(h.request.kind, (counts.get(h.request.kind) ?? 0) + 1);
    return counts;
  }

  list(): FaultsBody {
    const faults = [...this.#held.values()].flatMap((h) => (h.phase === "active" && h.applied ? [h.applied] : []));
    return { faults, recentReverts: [...this.#recentReverts] };
  }

  async apply(body: unknown): Promise<Outcome<AppliedFault>> {
    if (this.#stopping) return failed(503, "stopping", "the agent is stopping and applies no new fault");
    const parsed = applyRequest.safeParse(body);
    if (!parsed.success) return failed(400, "invalid_request", describeIssues(parsed.error, ""));
    const request = parsed.data;
    const kindParams = agentParams[request.kind].safeParse(request.params);
    if (!kindParams.success) return failed(400, "invalid_params", `${request.kind}: ${describeIssues(kindParams.error, "params")}`);

    const candidates = this.#deps.mechanisms[request.kind] ?? [];
    if (candidates.length === 0) return failed(501, "unsupported_kind", `this agent has no mechanism for ${request.kind}`);
    if (this.#held.has(request.id)) return failed(409, "conflict", `fault ${request.id} is already held by this agent (revert it first or use another id)`);

    // The first mechanism whose params parse and whose capabilities are present; all before any change.
    const missing: string[] = [];
    let chosen: { mechanism: AnyMechanism; params: unknown } | null = null;
    let paramsError: string | null = null;
    for (const mechanism of candidates) {
      const p = mechanism.params.safeParse(request.params);
      if (!p.success) {
        paramsError ??= `${request.kind} (${mechanism.name}): ${describeIssues(p.error, "params")}`;
        continue;
      }
      const lacking = mechanism.check(this.#context(request, mechanism, null), p.data);
      if (lacking.length === 0) {
        chosen = { mechanism, params: p.data };
        break;
      }
      missing.push(...lacking.filter((m) => !missing.includes(m)));
    }
    if (!chosen) {
      if (missing.length === 0 && paramsError) return failed(400, "invalid_params", paramsError);
      return failed(412, "capability_missing", `${request.kind} cannot be applied here; nothing was changed: ${missing.join("; ")}`, missing);
    }

    const entry: JournalEntry = {
      request,
      mechanism: chosen.mechanism.name,
      appliedAt: null,
      leaseExpiresAt: new Date(Date.now() + request.ttlSeconds * 1000).toISOString(),
      kernelBefore: "",
      recorded: {},
    };
    const held: Held = {
      request,
      mechanism: chosen.mechanism,
      params: chosen.params,
      ctx: this.#context(request, chosen.mechanism, entry),
      entry,
      phase: "applying",
      applied: null,
      leaseExpiresAtMs: Number.POSITIVE_INFINITY,
      disturbed: false,
      busy: Promise.resolve(),
    };
    this.#held.set(request.id, held); // reserved before the first await: a concurrent apply gets 409
    const work = this.#deps.lock.hold(() => this.#applyLocked(held));
    held.busy = work.catch(() => undefined);
    return work;
  }

  async #applyLocked(held: Held): Promise<Outcome<AppliedFault>> {
    const { request, entry, mechanism } = held;
    const started = performance.now();
    let snapshotMs = 0;
    let journalMs = 0;
    try {
      entry.kernelBefore = await snapshotKernel(this.#deps.run);
      snapshotMs = performance.now() - started;
      await this.#deps.journal.write(entry);
      journalMs = performance.now() - started - snapshotMs;
    } catch (err) {
      this.#held.delete(request.id);
      return failed(500, "journal_failed", `could not journal fault ${request.id} before applying it; nothing was changed: ${message(err)}`);
    }
    this.#disturbOthers(request.id);
    let evidence: Evidence;
    const mechanismStarted = performance.now();
    try {
      evidence = await mechanism.apply(held.ctx, held.params);
    } catch (err) {
      const undo = await this.#revertLocked(held, "requested");
      this.#held.delete(request.id);
      const after = undo.verified
        ? "nothing was left behind (kernel state compared equal to before)"
        : `the undo could not be verified (${undo.evidence.lines.slice(0, 3).join("; ")}); the journal keeps the fault and the next agent start reverts it`;
      this.#deps.log.error("apply failed", { id: request.id, kind: request.kind, mechanism: mechanism.name, detail: message(err), verifiedUndo: undo.verified });
      return failed(500, "apply_failed", `${request.kind} via ${mechanism.name} could not be verified active: ${message(err)}; ${after}`);
    }
    const applyMs = performance.now() - started;
    // Where the apply's time went, for benchmarks: the core's share and the mechanism's.
    const phases = { phaseSnapshotMs: snapshotMs, phaseJournalMs: journalMs, phaseMechanismMs: performance.now() - mechanismStarted };
    evidence = { ...evidence, measured: { ...evidence.measured, ...phases } };
    const now = Date.now();
    held.leaseExpiresAtMs = now + request.ttlSeconds * 1000;
    entry.appliedAt = new Date(now).toISOString();
    entry.leaseExpiresAt = new Date(held.leaseExpiresAtMs).toISOString();
    try {
      // Not durable: appliedAt and the lease are informational there; the first write is what recovery needs.
      await this.#deps.journal.write(entry, false);
    } catch (err) {
      // The fault is active and the first journal write names it, so recovery still finds it.
      this.#deps.log.warn("journal update after apply failed", { id: request.id, detail: message(err) });
    }
    held.applied = {
      id: request.id,
      kind: request.kind,
      nodeId: this.#deps.nodeId,
      params: request.params,
      targets: request.targets,
      mechanism: mechanism.name,
      appliedAt: entry.appliedAt,
      leaseExpiresAt: entry.leaseExpiresAt,
      applyMs,
      evidence,
    };
    held.phase = "active";
    this.#deps.metrics.applyDuration.observe({ kind: request.kind }, applyMs / 1000);
    this.#deps.log.info("fault applied", { id: request.id, kind: request.kind, mechanism: mechanism.name, applyMs: Math.round(applyMs) });
    return ok(201, held.applied);
  }

  async renew(id: string, body: unknown): Promise<Outcome<AppliedFault>> {
    const parsed = renewRequest.safeParse(body);
    if (!parsed.success) return failed(400, "invalid_request", describeIssues(parsed.error, ""));
    const held = this.#held.get(id);
    if (held?.phase !== "active" || !held.applied) return failed(404, "not_found", `fault ${id} is not active on this agent (its lease may have expired)`);
    held.leaseExpiresAtMs = Date.now() + parsed.data.ttlSeconds * 1000;
    const leaseExpiresAt = new Date(held.leaseExpiresAtMs).toISOString();
    held.entry.leaseExpiresAt = leaseExpiresAt;
    held.applied = { ...held.applied, leaseExpiresAt };
    return ok(200, held.applied);
  }

  /** DELETE: waits for an apply in progress, then reverts. */
  async revert(id: string): Promise<Outcome<RevertedFault>> {
    const held = this.#held.get(id);
    if (!held) return failed(404, "not_found", `fault ${id} is not active on this agent (its lease may have expired; see recentReverts)`);
    await held.busy;
    if (this.#held.get(id) !== held) return failed(404, "not_found", `fault ${id} was reverted meanwhile (see recentReverts)`);
    if (held.phase !== "active") {
      await held.busy;
      return failed(404, "not_found", `fault ${id} is being reverted already (see recentReverts)`);
    }
    return ok(200, await this.#revert(held, "requested"));
  }

  #revert(held: Held, reason: RevertReason): Promise<RevertedFault> {
    held.phase = "reverting";
    const work = this.#deps.lock.hold(async () => {
      const reverted = await this.#revertLocked(held, reason);
      this.#held.delete(held.request.id);
      this.#disturbOthers(held.request.id);
      if (reason !== "requested") this.#remember(reverted);
      return reverted;
    });
    held.busy = work.catch(() => undefined);
    return work;
  }

  /** Mechanism revert, then the kernel compared to the snapshot; the journal entry goes only when both agree. */
  async #revertLocked(held: Held, reason: RevertReason): Promise<RevertedFault> {
    const { request, mechanism } = held;
    const started = performance.now();
    let mech: Evidence & { verified: boolean };
    try {
      mech = await mechanism.revert(held.ctx, held.params);
    } catch (err) {
      mech = { verified: false, lines: [`revert failed: ${message(err)}`], measured: {} };
    }
    const kernel = await this.#compareKernel(held);
    const revertMs = performance.now() - started;
    const verified = mech.verified && kernel.ok;
    const reverted: RevertedFault = {
      id: request.id,
      kind: request.kind,
      nodeId: this.#deps.nodeId,
      mechanism: mechanism.name,
      reason,
      revertedAt: new Date().toISOString(),
      revertMs,
      verified,
      evidence: { lines: [...mech.lines, ...kernel.lines], measured: { ...mech.measured, kernelDiffLines: kernel.diffLines } },
    };
    this.#deps.metrics.revertDuration.observe({ kind: request.kind }, revertMs / 1000);
    if (verified) {
      await this.#deps.journal.remove(request.id).catch((err: unknown) => this.#deps.log.error("journal remove failed", { id: request.id, detail: message(err) }));
      this.#deps.log.info("fault reverted", { id: request.id, kind: request.kind, reason, revertMs: Math.round(revertMs) });
    } else {
      this.#deps.log.error("revert not verified; the journal keeps the fault for the next agent start", {
        id: request.id,
        kind: request.kind,
        reason,
        evidence: reverted.evidence.lines.slice(0, evidenceDiffLines),
      });
    }
    return reverted;
  }

  async #compareKernel(held: Held): Promise<{ ok: boolean; lines: string[]; diffLines: number }> {
    if (held.entry.kernelBefore === "") return { ok: true, lines: ["kernel: no snapshot was taken (apply stopped before it)"], diffLines: 0 };
    let after: string;
    try {
      after = await snapshotKernel(this.#deps.run);
    } catch (err) {
      return { ok: false, lines: [`kernel: snapshot after revert failed: ${message(err)}`], diffLines: -1 };
    }
    const diff = diffKernel(held.entry.kernelBefore, after);
    const changed = [...diff.added.map((l) => `+ ${l}`), ...diff.removed.map((l) => `- ${l}`)];
    if (changed.length === 0) return { ok: true, lines: ["kernel: state equal to before apply (iptables, qdiscs, nftables)"], diffLines: 0 };
    const tag = tagOf(held.request.id).toLowerCase();
    const ours = changed.filter((l) => l.toLowerCase().includes(tag));
    const shown = changed.slice(0, evidenceDiffLines);
    if (held.disturbed && ours.length === 0) {
      // Other faults changed the kernel meanwhile; what differs is theirs, none of it carries our tag.
      return {
        ok: true,
        lines: [`kernel: ${changed.length} line(s) differ from before apply, none tagged ${tagOf(held.request.id)}; other faults were applied or reverted meanwhile`, ...shown],
        diffLines: changed.length,
      };
    }
    return { ok: false, lines: [`kernel: ${changed.length} line(s) differ from before apply`, ...shown], diffLines: changed.length };
  }

  #disturbOthers(id: string): void {
    for (const h of this.#held.values()) if (h.request.id !== id) h.disturbed = true;
  }

  #remember(reverted: RevertedFault): void {
    this.#recentReverts.unshift(reverted);
    this.#recentReverts.length = Math.min(this.#recentReverts.length, recentRevertsKept);
  }

  /**
   * Before serving: reverts every fault a previous agent process left in the journal. `only` retries
   * the ones whose revert could not be verified yet (the node was still restarting, say) and leaves
   * faults applied since alone.
   */
  async recover(only?: ReadonlySet<string>): Promise<RevertedFault[]> {
    const all = await this.#deps.journal.readAll();
    const entries = only ? all.entries.filter((e) => only.has(e.request.id)) : all.entries;
    if (!only) for (const u of all.unreadable) this.#deps.log.error("unreadable journal entry left in place; inspect and remove it by hand", { ...u });
    const reverted: RevertedFault[] = [];
    // Newest first: faults stacked on each other come off in reverse order.
    const ordered = [...entries].sort((a, b) => (b.appliedAt ?? b.leaseExpiresAt).localeCompare(a.appliedAt ?? a.leaseExpiresAt));
    for (const entry of ordered) {
      const mechanism = this.#deps.mechanisms[entry.request.kind]?.find((m) => m.name === entry.mechanism);
      if (!mechanism) {
        this.#deps.log.error("journal names a mechanism this agent does not have; fault left in the journal", { id: entry.request.id, mechanism: entry.mechanism });
        continue;
      }
      const p = mechanism.params.safeParse(entry.request.params);
      const held: Held = {
        request: entry.request,
        mechanism,
        params: p.success ? p.data : entry.request.params,
        ctx: this.#context(entry.request, mechanism, entry),
        entry,
        phase: "reverting",
        applied: null,
        leaseExpiresAtMs: 0,
        disturbed: entries.length > 1,
        busy: Promise.resolve(),
      };
      const r = await this.#deps.lock.hold(() => this.#revertLocked(held, "journal-recovery"));
      this.#remember(r);
      reverted.push(r);
    }
    return reverted;
  }

  /** Stops taking faults and reverts every held one (reason `agent-stopping`); see main.ts for why. */
  async stop(): Promise<RevertedFault[]> {
    this.#stopping = true;
    this.#lease.stop();
    await Promise.all([...this.#held.values()].map((h) => h.busy));
    const active = [...this.#held.values()].filter((h) => h.phase === "active");
    return Promise.all(active.map((h) => this.#revert(h, "agent-stopping")));
  }

  #context(request: ApplyRequest, mechanism: AnyMechanism, entry: JournalEntry | null): MechanismContext {
    const d = this.#deps;
    const capabilities = d.capabilities();
    return {
      id: request.id,
      tag: tagOf(request.id),
      kind: request.kind,
      nodeId: d.nodeId,
      dataDir: d.dataDir,
      stateDir: d.stateDir,
      nodePid: d.nodePid,
      capabilities,
      run: d.run,
      record: async (state) => {
        if (!entry) throw new Error(`${mechanism.name}: record() called from check(); record state during apply`);
        entry.recorded = { ...entry.recorded, ...state };
        await d.journal.write(entry);
      },
      recorded: () => entry?.recorded ?? {},
    };
  }
}
