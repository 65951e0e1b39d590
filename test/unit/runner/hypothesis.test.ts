// Hypothesis decisions against a stand-in Prometheus: fresh data passes or fails on its threshold,
// stale or missing data is "no data" and fails (never passes, never breaches), several series are
// judged by the worst, and the abort threshold is evaluated on the same samples.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateProbe, selectorsOf, worstSeries } from "../../../runner/hypothesis.ts";
import { PrometheusClient } from "../../../runner/prometheus.ts";
import type { Probe } from "../../../runner/scenario/model.ts";
import { startFakePrometheus, type FakePrometheus } from "../../support/fake-prometheus.ts";

let fake: FakePrometheus;
let prom: PrometheusClient;
const now = 1_800_000_000_000;
const clock = () => now;
const errorRate: Probe = {
  name: "error-rate",
  query: 'sum(rate(requests_total{outcome!="success"}[5s])) / sum(rate(requests_total[5s]))',
  threshold: { op: "<", value: 0.01 },
  abort: { op: "<=", value: 0.05 },
};

beforeAll(async () => {
  fake = await startFakePrometheus();
  prom = new PrometheusClient(fake.url);
});
afterAll(() => fake.close());

const evaluate = (probe: Probe = errorRate) => evaluateProbe(prom, probe, { maxAgeMs: 2_000, now: clock });

describe("hypothesis engine", () => {
  it("reads the scrape interval from the running configuration (the shortest of global and jobs)", async () => {
    fake.scrapeInterval = "1s";
    expect(await prom.scrapeIntervalMs()).toBe(1_000);
  });

  it("a fresh sample within the threshold passes; above it fails; above the abort bound breaches", async () => {
    fake.newest.set("requests_total", now - 800);
    fake.answers.set(errorRate.query, [{ value: 0.001 }]);
    expect(await evaluate()).toMatchObject({ decision: "pass", abortBreach: false, value: 0.001, sampleAt: now - 800, at: now });
    fake.answers.set(errorRate.query, [{ value: 0.03 }]);
    expect(await evaluate()).toMatchObject({ decision: "fail", abortBreach: false, value: 0.03 });
    fake.answers.set(errorRate.query, [{ value: 0.1 }]);
    expect(await evaluate()).toMatchObject({ decision: "fail", abortBreach: true, value: 0.1 });
  });

  it("a sample older than 2 × the scrape interval is no data: it fails and never breaches, even with a breaching value", async () => {
    fake.answers.set(errorRate.query, [{ value: 0.5 }]);
    fake.newest.set("requests_total", now - 2_500);
    const e = await evaluate();
    expect(e.decision).toBe("no-data");
    expect(e.abortBreach).toBe(false);
    expect(e.sampleAt).toBe(now - 2_500);
    expect(e.reason).toMatch(/2500 ms old/);
    // a good value on stale data does not pass either
    fake.answers.set(errorRate.query, [{ value: 0 }]);
    expect((await evaluate()).decision).toBe("no-data");
  });

  it("no sample at all (no series, NaN, a metric never scraped, Prometheus refusing) is no data", async () => {
    fake.newest.set("requests_total", now - 100);
    fake.answers.set(errorRate.query, []);
    expect(await evaluate()).toMatchObject({ decision: "no-data", value: null, reason: expect.stringMatching(/no series/) });
    fake.answers.set(errorRate.query, [{ value: "NaN" }]);
    expect(await evaluate()).toMatchObject({ decision: "no-data", reason: expect.stringMatching(/NaN/) });
    fake.answers.set(errorRate.query, [{ value: 0 }]);
    fake.newest.delete("requests_total");
    expect(await evaluate()).toMatchObject({ decision: "no-data", sampleAt: null });
    fake.newest.set("requests_total", now - 100);
    fake.failing.add(errorRate.query);
    expect(await evaluate()).toMatchObject({ decision: "no-data", reason: expect.stringMatching(/refused/) });
    fake.failing.delete(errorRate.query);
  });

  it("several series: the worst for the threshold is judged, and its labels are kept", async () => {
    const alive: Probe = { name: "members-alive", query: "node:members:alive", threshold: { op: ">=", value: 3 } };
    fake.newest.set("node:members:alive", now - 500);
    fake.answers.set(alive.query, [
      { metric: { node: "node-1" }, value: 3 },
      { metric: { node: "node-2" }, value: 2 },
      { metric: { node: "node-3" }, value: 3 },
    ]);
    expect(await evaluate(alive)).toMatchObject({ decision: "fail", value: 2, series: 3, worst: { node: "node-2" } });
    expect(worstSeries([{ metric: {}, at: 0, value: 1 }, { metric: {}, at: 0, value: 9 }], { op: "<", value: 5 })?.value).toBe(9);
  });

  it("the freshness of a query is asked of the metrics it reads, not of functions, keywords or label lists", () => {
    expect(selectorsOf('sum by (node) (rate(a_total{x="y"}[30s])) / ignoring(z) sum without (q) (b) > bool 0.5')).toEqual(['a_total{x="y"}', "b"]);
    expect(selectorsOf("vector(1)")).toEqual([]);
    expect(selectorsOf('histogram_quantile(0.99, sum by (le) (rate(lat_bucket[5s])))')).toEqual(["lat_bucket"]);
  });
});
