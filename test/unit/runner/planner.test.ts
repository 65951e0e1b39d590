// The planner: targets resolved against the topology given, picks stable per run id, and a plan above
// the blast radius (the scenario's or the project policy's, the stricter) refused with every reason.
import { describe, expect, it } from "vitest";
import { blastLimits, describePlan, planScenario, PlanRefused } from "../../../runner/planner.ts";
import { policy as policySchema, scenario as scenarioSchema, type Scenario, type ScenarioInput } from "../../../runner/scenario/model.ts";

const topology = { nodes: ["node-1", "node-2", "node-3"], leaders: { "global-control": "node-2" } };
const policy = policySchema.parse({});

const scenario = (steps: ScenarioInput["steps"], blastRadius: ScenarioInput["blastRadius"] = {}): Scenario =>
  scenarioSchema.parse({
    apiVersion: "meshkit-chaos/v1",
    kind: "Scenario",
    metadata: { name: "plan-test", version: "1.0.0", owner: "tests", description: "planner" },
    steadyState: { probes: [{ name: "up", query: "up", threshold: { op: ">=", value: 1 } }] },
    blastRadius,
    steps,
  });

const plan = (s: Scenario, runId = "run-a") => planScenario(s, topology, { runId, envStack: "ci", policy });

describe("planner", () => {
  it("resolves role:leader against the topology, and a parallel group as one step", () => {
    const p = plan(
      scenario([
        { fault: "leader-kill", duration: "10s" },
        { pause: "5s" },
        { parallel: [{ fault: "packet-loss", targets: "node-1", duration: "10s", params: { loss: 10 } }, { fault: "http-fault", targets: "node-3", duration: "10s", params: { share: 0.1 } }] },
      ]),
    );
    const [kill, pause, group] = p.steps;
    expect(kill).toMatchObject({ type: "faults", faults: [{ kind: "leader-kill", targets: ["node-2"] }] });
    expect(pause).toMatchObject({ type: "pause", durationMs: 5_000 });
    expect(group).toMatchObject({ type: "faults", durationMs: 10_000 });
    if (group?.type !== "faults") throw new Error("expected a fault step");
    expect(group.faults.map((f) => f.targets)).toEqual([["node-1"], ["node-3"]]);
    expect(describePlan(p).join("\n")).toMatch(/in parallel, one update/);
  });

  it("random picks and fault ids depend on the run id only: plan, dry-run and run agree", () => {
    const s = scenario([{ fault: "packet-loss", targets: "count:1", duration: "10s", params: { loss: 10 } }]);
    expect(plan(s, "run-x").steps).toEqual(plan(s, "run-x").steps);
    const ids = new Set(["a", "b", "c", "d"].map((r) => (plan(s, r).steps[0] as unknown as { faults: { id: string }[] }).faults[0]!.id));
    expect(ids.size).toBe(4);
  });

  it("refuses a step above the policy's node cap (2 of 3) before anything runs", () => {
    const s = scenario([{ fault: "packet-loss", targets: "all", duration: "10s", params: { loss: 10 } }]);
    expect(() => plan(s)).toThrow(PlanRefused);
    try {
      plan(s);
    } catch (e) {
      expect((e as PlanRefused).problems.join("\n")).toMatch(/steps\[0\]: faults 3 nodes at once.*at most 2/);
      expect((e as PlanRefused).problems.join("\n")).toMatch(/100 % of the 3 nodes.*at most 67 %/);
    }
  });

  it("a parallel group counts its targets together; the scenario's own stricter radius applies", () => {
    const group = scenario(
      [{ parallel: [{ fault: "packet-loss", targets: "node-1", duration: "10s", params: { loss: 10 } }, { fault: "packet-loss", targets: "node-3", duration: "10s", params: { loss: 10 } }] }],
      { maxTargets: 1 },
    );
    expect(blastLimits(group, policy)).toMatchObject({ maxTargets: 1, source: { maxTargets: "scenario" } });
    expect(() => plan(group)).toThrow(/faults 2 nodes at once \(node-1, node-3\); the scenario allows at most 1/);
  });

  it("a scenario cannot raise the policy: its larger radius is capped by the policy", () => {
    const s = scenario([{ fault: "http-fault", targets: "node-1", duration: "10s", params: { share: 0.8 } }], { maxTargets: 3, trafficShare: 0.9 });
    expect(blastLimits(s, policy)).toMatchObject({ maxTargets: 2, maxTrafficShare: 0.5, source: { maxTargets: "policy", maxTrafficShare: "policy" } });
    expect(() => plan(s)).toThrow(/share of 0.8 of the requests; the policy allows at most 0.5/);
  });

  it("bad fault input and missing prerequisites are refused with every reason, naming the step", () => {
    const s = scenario([{ fault: "packet-loss", targets: "node-9", duration: "10s", params: { loss: 10 } }, { waitUntil: { probe: "nope", timeout: "5s" } }]);
    const refused = (() => {
      try {
        planScenario({ ...s, prerequisites: { ...s.prerequisites, minNodes: 5 } }, topology, { runId: "r", envStack: "ci", policy });
      } catch (e) {
        return e as PlanRefused;
      }
      throw new Error("expected a refusal");
    })();
    const text = refused.problems.join("\n");
    expect(text).toMatch(/minNodes: the scenario needs at least 5 nodes; environment ci has 3/);
    expect(text).toMatch(/steps\[0\]: .*node-9/);
    expect(text).toMatch(/steps\[1\]\.waitUntil\.probe: no probe named nope/);
  });
});
