// The phases of an experiment as a state machine. A run goes INIT → BASELINE_CHECK, then per step
// FAULT_INJECTION → MONITORING → ROLLBACK → POST_VALIDATION (a pause or wait-until step is
// MONITORING alone), and ends in REPORT. An abort is allowed from every phase but REPORT: it goes to
// ROLLBACK (revert everything at once) and then straight to REPORT. Every transition is a timeline
// event; an impossible one is a runner bug and throws.

import { phases, type Phase } from "./timeline.ts";

export { phases, type Phase };

const next: Readonly<Record<Phase, readonly Phase[]>> = {
  INIT: ["BASELINE_CHECK"],
  BASELINE_CHECK: ["FAULT_INJECTION", "MONITORING"],
  FAULT_INJECTION: ["MONITORING"],
  MONITORING: ["ROLLBACK", "FAULT_INJECTION", "MONITORING", "POST_VALIDATION"],
  ROLLBACK: ["POST_VALIDATION"],
  POST_VALIDATION: ["FAULT_INJECTION", "MONITORING", "REPORT"],
  REPORT: [],
};

export class PhaseError extends Error {
  override name = "PhaseError";
}

export interface PhaseChange {
  readonly phase: Phase;
  readonly step?: number;
  readonly aborting: boolean;
}

export class PhaseMachine {
  #phase: Phase = "INIT";
  #step: number | undefined;
  #abort: { readonly from: Phase; readonly reason: string } | null = null;
  readonly #onChange: (change: PhaseChange) => void;

  constructor(onChange: (change: PhaseChange) => void = () => {}) {
    this.#onChange = onChange;
    onChange({ phase: "INIT", aborting: false });
  }

  get phase(): Phase {
    return this.#phase;
  }

  get step(): number | undefined {
    return this.#step;
  }

  /** Set once an abort was decided: from which phase and why. */
  get aborted(): { readonly from: Phase; readonly reason: string } | null {
    return this.#abort;
  }

  /** The regular path; refused after an abort (the abort path owns the rest of the run). */
  enter(phase: Phase, step?: number): void {
    if (this.#abort) throw new PhaseError(`cannot enter ${phase}: the run was aborted in ${this.#abort.from} (${this.#abort.reason})`);
    if (!next[this.#phase].includes(phase)) {
      throw new PhaseError(`cannot go from ${this.#phase} to ${phase} (allowed: ${next[this.#phase].join(", ") || "none"})`);
    }
    this.#set(phase, step);
  }

  /** Whether a regular transition is allowed now. */
  can(phase: Phase): boolean {
    return !this.#abort && next[this.#phase].includes(phase);
  }

  /**
   * Decides an abort: from any phase but REPORT the run goes to ROLLBACK at once (a ROLLBACK under way
   * stays there and turns into the fast revert). Returns false when there is nothing left to abort
   * (already aborted, or reporting).
   */
  abort(reason: string): boolean {
    if (this.#abort || this.#phase === "REPORT") return false;
    this.#abort = { from: this.#phase, reason };
    if (this.#phase !== "ROLLBACK") this.#set("ROLLBACK", this.#step, true);
    return true;
  }

  /** The end of every run, regular or aborted. */
  finish(): void {
    if (this.#phase === "REPORT") return;
    if (!this.#abort && !next[this.#phase].includes("REPORT")) {
      throw new PhaseError(`cannot report from ${this.#phase}: the run is not over (abort it first)`);
    }
    this.#set("REPORT", undefined, this.#abort !== null);
  }

  #set(phase: Phase, step: number | undefined, aborting = false): void {
    this.#phase = phase;
    this.#step = step;
    this.#onChange({ phase, ...(step === undefined ? {} : { step }), aborting });
  }
}
