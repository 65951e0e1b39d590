// The phase state machine: the regular path of a run, refused shortcuts, and an abort from every
// phase ending in ROLLBACK then REPORT.
import { describe, expect, it } from "vitest";
import { PhaseError, PhaseMachine, phases, type Phase } from "../../../runner/phases.ts";

const recorder = () => {
  const seen: string[] = [];
  const machine = new PhaseMachine((c) => seen.push(`${c.phase}${c.step === undefined ? "" : `#${c.step}`}${c.aborting ? "!" : ""}`));
  return { machine, seen };
};

/** Drives a fresh machine into `phase` along the regular path. */
function into(phase: Phase) {
  const r = recorder();
  const path: [Phase, number?][] = [["BASELINE_CHECK"], ["FAULT_INJECTION", 0], ["MONITORING", 0], ["ROLLBACK", 0], ["POST_VALIDATION", 0]];
  if (phase === "REPORT") {
    for (const [p, s] of path) r.machine.enter(p, s);
    r.machine.finish();
    return r;
  }
  for (const [p, s] of path) {
    if (r.machine.phase === phase) break;
    r.machine.enter(p, s);
  }
  expect(r.machine.phase).toBe(phase);
  return r;
}

describe("phase state machine", () => {
  it("walks INIT → BASELINE_CHECK → (FAULT_INJECTION → MONITORING → ROLLBACK → POST_VALIDATION) per step → REPORT", () => {
    const { machine, seen } = recorder();
    machine.enter("BASELINE_CHECK");
    for (const step of [0, 1]) {
      machine.enter("FAULT_INJECTION", step);
      machine.enter("MONITORING", step);
      machine.enter("ROLLBACK", step);
      machine.enter("POST_VALIDATION", step);
    }
    machine.enter("MONITORING", 2); // a pause step
    machine.enter("POST_VALIDATION");
    machine.finish();
    expect(seen).toEqual([
      "INIT", "BASELINE_CHECK",
      "FAULT_INJECTION#0", "MONITORING#0", "ROLLBACK#0", "POST_VALIDATION#0",
      "FAULT_INJECTION#1", "MONITORING#1", "ROLLBACK#1", "POST_VALIDATION#1",
      "MONITORING#2", "POST_VALIDATION", "REPORT",
    ]);
    expect(machine.aborted).toBeNull();
  });

  it("refuses shortcuts: no injection before the baseline, no report while faults may hold", () => {
    const { machine } = recorder();
    expect(() => machine.enter("FAULT_INJECTION", 0)).toThrow(PhaseError);
    expect(() => machine.finish()).toThrow(/not over/);
    machine.enter("BASELINE_CHECK");
    machine.enter("FAULT_INJECTION", 0);
    expect(() => machine.enter("ROLLBACK", 0)).toThrow(/FAULT_INJECTION to ROLLBACK/);
    machine.enter("MONITORING", 0);
    expect(() => machine.finish()).toThrow(PhaseError);
  });

  for (const phase of phases.filter((p) => p !== "REPORT")) {
    it(`an abort from ${phase} goes to ROLLBACK at once, then REPORT, and nothing else`, () => {
      const { machine, seen } = into(phase);
      const before = seen.length;
      expect(machine.abort("probe error-rate left its abort threshold")).toBe(true);
      expect(machine.phase).toBe("ROLLBACK");
      expect(machine.aborted).toEqual({ from: phase, reason: "probe error-rate left its abort threshold" });
      expect(() => machine.enter("POST_VALIDATION", 0)).toThrow(/aborted in/);
      expect(machine.abort("again")).toBe(false);
      machine.finish();
      expect(machine.phase).toBe("REPORT");
      const tail = seen.slice(before);
      expect(tail.at(-1)).toBe("REPORT!");
      expect(tail.filter((s) => s.startsWith("ROLLBACK")).length).toBe(phase === "ROLLBACK" ? 0 : 1);
    });
  }

  it("an abort once reporting has nothing left to abort", () => {
    const { machine } = into("REPORT");
    expect(machine.abort("late signal")).toBe(false);
    expect(machine.aborted).toBeNull();
  });
});
