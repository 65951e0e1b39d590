// The sample scenarios against the healthy `ci` environment: every probe returns fresh data, holds,
// and its abort threshold does not fire; every SLO query a sample gives returns data. A sample whose
// hypothesis fails on a healthy mesh would fail every run before injecting anything.
import { beforeAll, describe, expect, it } from "vitest";
import { EnvironmentStack } from "../../lifecycle/environment.ts";
import type { EnvironmentOutputs } from "../../lifecycle/outputs.ts";
import { checkSampleProbes } from "../support/scenario-probes.ts";
import { requireEngines } from "./engines.ts";

const stack = "ci";
let env: EnvironmentOutputs;

beforeAll(async () => {
  await requireEngines();
  env = await (await EnvironmentStack.open(stack)).up({ nodes: 3 });
}, 900_000);

describe("sample scenarios on the healthy mesh", () => {
  it("every probe holds with fresh data and no abort breach; every SLO query returns data", async () => {
    // 90 s: a fresh environment needs its 30 s rate windows and recording rules filled.
    const { probes, slos } = await checkSampleProbes(env.prometheusUrl, { withinMs: 90_000, maxAgeMs: 2_000 });
    expect(probes.length).toBeGreaterThanOrEqual(20);
    const failing = probes.filter((p) => p.evaluation.decision !== "pass" || p.evaluation.abortBreach);
    expect(failing.map((p) => `${p.scenario}/${p.probe}: ${p.evaluation.decision} value=${p.evaluation.value} ${p.evaluation.reason ?? ""}`)).toEqual([]);
    expect(slos.filter((s) => s.series === 0).map((s) => `${s.scenario}/${s.slo}: ${s.query}`)).toEqual([]);
  }, 300_000);
});
