// The checker on recorded runs: the verdict a user reads, probe counts, breach and abort times, fault
// windows from the agents' own timestamps — and no-data failing rather than passing.
import { describe, expect, it } from "vitest";
import { judge } from "../../../runner/report/judge.ts";
import { readRunDirectory } from "../../../runner/report/run-dir.ts";
import type { TimelineEvent } from "../../../runner/timeline.ts";
import { fixtureRunDir } from "../../support/report-fixtures.ts";

const judged = (variant: "passed" | "failed" | "aborted") => judge(readRunDirectory(fixtureRunDir(variant)));

describe("judge", () => {
  it("passes a run whose probes held, SLOs converged in time and faults were all reverted", () => {
    const r = judged("passed");
    expect(r.verdict).toBe("passed");
    expect(r.reasons).toEqual([]);
    expect(r.probes.map((p) => [p.name, p.pass, p.noData])).toEqual([
      ["error-rate", true, 0],
      ["p99-latency", true, 0],
      ["members-alive", true, 0],
    ]);
    expect(r.rollback).toEqual({ allReverted: true, unreverted: [] });
    expect(r.abort).toBeNull();
    expect(r.phases.map((p) => p.phase)).toEqual(["INIT", "BASELINE_CHECK", "FAULT_INJECTION", "MONITORING", "ROLLBACK", "FAULT_INJECTION", "MONITORING", "ROLLBACK", "POST_VALIDATION", "REPORT"]);
    expect(r.phases[1]).toMatchObject({ phase: "BASELINE_CHECK", startedAt: "2026-03-02T10:00:01.200Z", endedAt: "2026-03-02T10:00:12.900Z", durationMs: 11_700 });
  });

  it("fails a run on no-data samples alone (they never pass) and on a missed SLO, with the measured values", () => {
    const r = judged("failed");
    expect(r.verdict).toBe("failed");
    const members = r.probes.find((p) => p.name === "members-alive")!;
    expect(members).toMatchObject({ pass: false, fails: 0, noData: 2, firstBreach: null });
    expect(members.firstNoData).toMatchObject({ at: "2026-03-02T10:00:24.200Z", sampleAt: "2026-03-02T10:00:19.500Z", value: null, lagMs: 4700, phase: "MONITORING" });
    expect(members.failure).toContain("2 of 26 samples had no data");
    expect(r.slos.find((s) => s.name === "leader-elected-10s")).toMatchObject({ measuredMs: 12_400, withinMs: 10_000, pass: false });
    expect(r.reasons).toEqual([
      expect.stringMatching(/^probe members-alive: 2 of 26 samples had no data/),
      "SLO leader-elected-10s (step 1): measured 12.40 s, expected within 10.00 s",
    ]);
  });

  it("aborts with the breach's sample and decision times, and times every fault's revert from the agents' clocks", () => {
    const r = judged("aborted");
    expect(r.verdict).toBe("aborted");
    expect(r.reasons[0]).toBe("aborted during MONITORING: abort threshold broken: error-rate = 0.09679, expected < 0.05");
    const errors = r.probes.find((p) => p.name === "error-rate")!;
    expect(errors.firstBreach).toMatchObject({ at: "2026-03-02T10:00:42.200Z", sampleAt: "2026-03-02T10:00:41.240Z", value: 0.03554, lagMs: 960, decision: "fail" });
    expect(errors.firstAbortBreach).toMatchObject({ at: "2026-03-02T10:00:44.200Z", sampleAt: "2026-03-02T10:00:43.699Z", value: 0.09679 });
    expect(r.abort).toEqual({
      at: "2026-03-02T10:00:44.240Z",
      phase: "MONITORING",
      reason: "abort threshold broken: error-rate = 0.09679, expected < 0.05",
      probe: "error-rate",
      sampleAt: "2026-03-02T10:00:43.699Z",
      breachToAbortMs: 541,
      allRevertedAt: "2026-03-02T10:00:44.570Z",
      breachToAllRevertedMs: 871,
      abortToAllRevertedMs: 330,
      unreverted: [],
    });
    const http = r.faults.find((f) => f.kind === "http-fault")!;
    expect(http).toMatchObject({
      mechanism: "node-toggle",
      targets: ["node-1", "node-3"],
      status: "reverted",
      applyRequestedAt: "2026-03-02T10:00:36.800Z",
      appliedAt: "2026-03-02T10:00:38.900Z",
      revertedAt: "2026-03-02T10:00:44.570Z",
      heldMs: 5670,
    });
    expect(http.nodes).toEqual([
      { node: "node-1", appliedAt: "2026-03-02T10:00:38.900Z", revertedAt: "2026-03-02T10:00:44.530Z", applyMs: 41, revertMs: 38 },
      { node: "node-3", appliedAt: "2026-03-02T10:00:38.950Z", revertedAt: "2026-03-02T10:00:44.570Z", applyMs: 44, revertMs: 40 },
    ]);
  });

  it("fails a run whose fault no agent verified reverted, and an aborted run names the fault still held", () => {
    const { events, metrics, scenario } = readRunDirectory(fixtureRunDir("aborted"));
    const lost = events.filter((e) => !(e.type === "fault" && e.action === "reverted" && e.node === "node-3"));
    const r = judge({ events: lost, metrics, scenario });
    expect(r.verdict).toBe("aborted");
    expect(r.abort).toMatchObject({ allRevertedAt: null, breachToAllRevertedMs: null, unreverted: ["20260302-100000-abo1-s1-http-fault"] });
    expect(r.rollback.allReverted).toBe(false);
    expect(r.reasons).toContain("fault 20260302-100000-abo1-s1-http-fault (http-fault) was not verified reverted (reverting)");

    const passed = readRunDirectory(fixtureRunDir("passed"));
    const held = judge({ ...passed, events: passed.events.filter((e) => !(e.type === "fault" && e.action === "reverted" && e.kind === "network-latency")) });
    expect(held.verdict).toBe("failed");
    expect(held.faults.find((f) => f.kind === "network-latency")!.status).toBe("reverting");
  });

  it("fails a probe that never returned data, and one that did not recover after the rollback", () => {
    const passed = readRunDirectory(fixtureRunDir("passed"));
    const noData: TimelineEvent[] = passed.events.map((e) =>
      e.type === "probe" && e.probe === "p99-latency" ? { ...e, sampleAt: null, value: null, decision: "no-data" as const } : e,
    );
    const r = judge({ ...passed, events: noData });
    expect(r.verdict).toBe("failed");
    expect(r.probes.find((p) => p.name === "p99-latency")).toMatchObject({ pass: false, passes: 0, noData: 31 });

    let last = -1;
    passed.events.forEach((e, i) => { if (e.type === "probe" && e.probe === "error-rate") last = i; });
    const stuck = passed.events.map((e, i) => (i === last && e.type === "probe" ? { ...e, value: 0.02, decision: "fail" as const } : e));
    const s = judge({ ...passed, events: stuck });
    expect(s.verdict).toBe("failed");
    expect(s.probes.find((p) => p.name === "error-rate")!.failure).toMatch(/did not recover after rollback: last 0\.02 .*during POST_VALIDATION.*expected < 0\.01/);
  });

  it("judges the same whatever verdict the runner recorded (the timeline decides)", () => {
    const passed = readRunDirectory(fixtureRunDir("passed"));
    const r = judge({ ...passed, events: passed.events.map((e) => (e.type === "verdict" ? { ...e, verdict: "failed" as const } : e)) });
    expect(r.verdict).toBe("passed");
    expect(r.recordedVerdict?.verdict).toBe("failed");
  });
});
