// The sample scenarios' probes against a live Prometheus: each must return fresh data, hold on the
// healthy mesh and stay inside its abort threshold; SLO queries given in a sample must return data.
// Shared by the e2e test and by anyone checking a new sample against a running environment.
import { evaluateProbe, type ProbeEvaluation } from "../../runner/hypothesis.ts";
import { PrometheusClient } from "../../runner/prometheus.ts";
import { listCatalog } from "../../runner/scenario/catalog.ts";
import { loadScenarioFile } from "../../runner/scenario/load.ts";

export interface SampleProbeCheck {
  readonly scenario: string;
  readonly probe: string;
  /** The last evaluation (the first that passed, or the last try). */
  readonly evaluation: ProbeEvaluation;
}

export interface SampleSloCheck {
  readonly scenario: string;
  readonly slo: string;
  readonly query: string;
  readonly series: number;
}

/**
 * Every probe of every catalog scenario, retried until it passes or `withinMs` runs out (a fresh
 * environment needs its 30 s rate windows filled); `maxAgeMs` as the runner uses (2 × scrape interval).
 */
export async function checkSampleProbes(prometheusUrl: string, options: { withinMs: number; maxAgeMs: number }): Promise<{ probes: SampleProbeCheck[]; slos: SampleSloCheck[] }> {
  const prom = new PrometheusClient(prometheusUrl);
  const probes: SampleProbeCheck[] = [];
  const slos: SampleSloCheck[] = [];
  const deadline = Date.now() + options.withinMs;
  for (const entry of (await listCatalog()).entries) {
    const loaded = await loadScenarioFile(entry.file);
    if (!loaded.ok) throw new Error(`${entry.file} does not lint clean`);
    const scenario = loaded.scenarios[entry.index ?? 0]!.scenario;
    for (const probe of scenario.steadyState.probes) {
      let evaluation = await evaluateProbe(prom, probe, { maxAgeMs: options.maxAgeMs });
      while ((evaluation.decision !== "pass" || evaluation.abortBreach) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 2_000));
        evaluation = await evaluateProbe(prom, probe, { maxAgeMs: options.maxAgeMs });
      }
      probes.push({ scenario: entry.name, probe: probe.name, evaluation });
    }
    for (const slo of scenario.slos) {
      if (slo.query) slos.push({ scenario: entry.name, slo: slo.name, query: slo.query, series: (await prom.instant(slo.query)).length });
    }
  }
  return { probes, slos };
}
