// The scenario runner's own cost, on a running environment:
//   overhead   wall time of a chained scenario (fault → pause → fault) vs the sum of its declared
//              durations (warm-up + fault durations + pause); target ≤ 10 % + 5 s
//   gap        step-to-step gap: previous step's faults verified reverted → next step's fault active
//              (agent's appliedAt)
//   abort      abort latency over N trials of an http-fault breaching a 5 % error-rate abort bound:
//              breach sample → abort decided → every fault reverted at the agents (their revertedAt)
// Usage: npm run bench:runner -- [--stack local] [--trials 20] [--skip-overhead] [--json]
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseScenarioText } from "../runner/scenario/load.ts";
import { runScenario } from "../runner/scenario-run.ts";
import { timelineEvent, type TimelineEvent } from "../runner/timeline.ts";

const { values } = parseArgs({
  options: {
    stack: { type: "string", default: "local" },
    trials: { type: "string", default: "20" },
    "skip-overhead": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const stack = values.stack;
const trials = Number(values.trials);
const runsDir = mkdtempSync(join(tmpdir(), "bench-runner-"));
const progress = (s: string) => process.stderr.write(`${s}\n`);

const pct = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

const header = (name: string, description: string) => `apiVersion: meshkit-chaos/v1
kind: Scenario
metadata: { name: ${name}, version: 1.0.0, owner: bench, description: "${description}" }
`;
const errorRate =
  '(sum(rate(omnirelay_http_requests_completed_total{job="meshkit-node",outcome!="success"}[5s])) or vector(0)) / sum(rate(omnirelay_http_requests_completed_total{job="meshkit-node"}[5s]))';

const chained = `${header("bench-chain", "fault, pause, fault")}steadyState:
  interval: 1s
  warmup: 3s
  recoveryTimeout: 20s
  probes:
    - { name: members, query: "min(node:mesh_gossip_members_peers:alive)", threshold: { op: ">=", value: 1 } }
steps:
  - { fault: packet-loss, targets: node-2, duration: 10s, params: { loss: 5 } }
  - pause: 3s
  - { fault: packet-loss, targets: node-3, duration: 10s, params: { loss: 5 } }
`;
const chainedDeclaredMs = 3_000 + 10_000 + 3_000 + 10_000;

const aborting = `${header("bench-abort", "http-fault breaching a 5 % error-rate abort bound")}steadyState:
  interval: 1s
  warmup: 2s
  recoveryTimeout: 30s
  probes:
    - { name: error-rate, query: '${errorRate}', threshold: { op: "<", value: 0.01 }, abort: { op: "<=", value: 0.05 } }
steps:
  - { fault: http-fault, targets: "node-1,node-2", duration: 60s, params: { mode: abort, share: 0.15 } }
`;

async function run(text: string): Promise<{ events: TimelineEvent[]; wallMs: number; verdict: string }> {
  const loaded = parseScenarioText(text, "bench.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const s = loaded.scenarios[0]!;
  const started = Date.now();
  const r = await runScenario({ scenario: s.scenario, sourceText: text, file: "bench.yaml", definitionHash: s.definitionHash, envStack: stack, runsDir });
  const wallMs = Date.now() - started;
  const events = readFileSync(join(r.runDir, "timeline.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => timelineEvent.parse(JSON.parse(l)));
  return { events, wallMs, verdict: r.verdict };
}

type FaultEvent = Extract<TimelineEvent, { type: "fault" }>;
const faults = (events: TimelineEvent[]) => events.filter((e): e is FaultEvent => e.type === "fault");
const results: Record<string, unknown> = { stack };

if (!values["skip-overhead"]) {
  progress("overhead: chained scenario (3 s warm-up, 10 s fault, 3 s pause, 10 s fault)…");
  const { events, wallMs, verdict } = await run(chained);
  const f = faults(events);
  const revertedStep0 = Date.parse(f.find((e) => e.step === 0 && e.action === "reverted")!.at);
  const activeStep2 = Date.parse(f.find((e) => e.step === 2 && e.action === "active")!.agentAt!);
  const gapMs = activeStep2 - revertedStep0 - 3_000; // minus the declared pause
  const overheadMs = wallMs - chainedDeclaredMs;
  results.overhead = { verdict, wallMs, declaredMs: chainedDeclaredMs, overheadMs, overheadPct: Math.round((overheadMs / chainedDeclaredMs) * 100), targetMs: Math.round(chainedDeclaredMs * 0.1 + 5_000), stepGapMs: gapMs };
  progress(`  wall ${wallMs} ms vs declared ${chainedDeclaredMs} ms: overhead ${overheadMs} ms (${Math.round((overheadMs / chainedDeclaredMs) * 100)} %); step-to-step gap (reverted → next active, minus the pause) ${gapMs} ms`);
}

const decided: number[] = [];
const reverted: number[] = [];
for (let i = 0; i < trials; i++) {
  const { events, verdict } = await run(aborting);
  const abort = events.find((e): e is Extract<TimelineEvent, { type: "abort" }> => e.type === "abort");
  const back = faults(events).filter((e) => e.action === "reverted" && e.agentAt);
  if (verdict !== "aborted" || !abort?.sampleAt || back.length === 0) {
    progress(`  trial ${i + 1}: no abort breach (${verdict}${abort ? `: ${abort.reason}` : ""}); not counted`);
    continue;
  }
  const sample = Date.parse(abort.sampleAt);
  decided.push(Date.parse(abort.at) - sample);
  reverted.push(Math.max(...back.map((e) => Date.parse(e.agentAt!))) - sample);
  progress(`  trial ${i + 1}: breach sample → decided ${decided.at(-1)} ms → every fault reverted ${reverted.at(-1)} ms`);
}
results.abort = {
  trials: decided.length,
  decidedMs: { p50: pct(decided, 50), p95: pct(decided, 95) },
  revertedMs: { p50: pct(reverted, 50), p95: pct(reverted, 95), max: Math.max(...reverted) },
  targetMs: 1_000 + 500,
};
progress(`abort latency over ${decided.length} trials: breach sample → decided p50 ${pct(decided, 50)} / p95 ${pct(decided, 95)} ms; → every fault reverted p50 ${pct(reverted, 50)} / p95 ${pct(reverted, 95)} ms (target ≤ 1500 ms = interval + 0.5 s)`);
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
