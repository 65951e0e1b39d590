// summary.md: fit for a CI job summary ($GITHUB_STEP_SUMMARY and the like): the verdict line first,
// then tables of probes, SLOs and faults, the abort and why.
import { formatMs, formatThreshold, formatValue } from "./judge.ts";
import type { Report, SampleRef } from "./model.ts";

const mark = { passed: "✅", failed: "❌", aborted: "⛔" } as const;
const ok = (pass: boolean): string => (pass ? "✅ pass" : "❌ fail");
// A table cell: no pipe or newline may break the row.
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const clock = (iso: string | null): string => (iso ? iso.replace(/^\d{4}-\d{2}-\d{2}T/, "").replace(/Z$/, "") : "—");
const breach = (s: SampleRef | null): string =>
  s ? `${formatValue(s.value)} — sampled ${clock(s.sampleAt)}, decided ${clock(s.at)} (lag ${formatMs(s.lagMs)})` : "—";

export function summaryMarkdown(r: Report): string {
  const out: string[] = [];
  out.push(`## ${mark[r.verdict]} ${r.run.scenario} ${r.run.version}: **${r.verdict.toUpperCase()}**`, "");
  if (r.reasons.length) {
    for (const reason of r.reasons) out.push(`- ${reason}`);
    out.push("");
  }
  out.push(
    `Run \`${r.run.runId}\` on stack \`${r.run.envStack}\`${r.run.dryRun ? " (dry run: nothing injected)" : ""}, ` +
      `${r.run.startedAt} → ${r.run.endedAt} (${formatMs(r.run.durationMs)}); definition \`${r.run.definitionHash}\`.`,
    "",
  );

  if (r.abort) {
    const a = r.abort;
    out.push("### Abort", "");
    out.push(`- **${a.reason}** (during ${a.phase}, at ${clock(a.at)})`);
    if (a.sampleAt) out.push(`- breach sample ${clock(a.sampleAt)} → abort decided: **${formatMs(a.breachToAbortMs)}**`);
    out.push(
      a.unreverted.length
        ? `- ❌ not verified reverted: ${a.unreverted.join(", ")}`
        : `- every fault verified reverted at ${clock(a.allRevertedAt)}: ${a.sampleAt ? `**${formatMs(a.breachToAllRevertedMs)}** after the breach sample, ` : ""}${formatMs(a.abortToAllRevertedMs)} after the abort`,
      "",
    );
  }

  out.push("### Steady-state hypothesis", "");
  out.push("| probe | result | threshold | abort at | samples | pass | fail | no data | range | first breach |");
  out.push("|---|---|---|---|---:|---:|---:|---:|---|---|");
  for (const p of r.probes) {
    out.push(
      `| ${cell(p.name)} | ${ok(p.pass)} | ${p.threshold ? cell(formatThreshold(p.threshold)) : "—"} | ${p.abort ? cell(formatThreshold(p.abort)) : "—"} | ${p.samples} | ${p.passes} | ${p.fails} | ${p.noData} | ${formatValue(p.min)} … ${formatValue(p.max)} | ${cell(breach(p.firstBreach ?? p.firstNoData))} |`,
    );
  }
  out.push("");

  if (r.slos.length) {
    out.push("### SLOs", "", "| SLO | step | result | measured | within |", "|---|---:|---|---:|---:|");
    for (const s of r.slos) out.push(`| ${cell(s.name)} | ${s.step} | ${ok(s.pass)} | ${s.measuredMs === null ? "did not converge" : formatMs(s.measuredMs)} | ${formatMs(s.withinMs)} |`);
    out.push("");
  }

  out.push("### Faults", "", "| step | fault | mechanism | targets | applied (agent) | reverted (agent) | held | status |", "|---:|---|---|---|---|---|---:|---|");
  for (const f of r.faults) {
    out.push(
      `| ${f.step} | ${cell(f.kind)} | ${cell(f.mechanism ?? "—")} | ${cell(f.targets.join(", "))} | ${clock(f.appliedAt)} | ${clock(f.revertedAt)} | ${formatMs(f.heldMs)} | ${f.status === "reverted" ? "✅ reverted" : f.status === "planned" ? "planned" : `❌ ${f.status}`} |`,
    );
  }
  if (r.faults.length === 0) out.push("| — | no fault | | | | | | |");
  out.push("");

  out.push("<details><summary>Phases</summary>", "", "| phase | step | start | duration |", "|---|---:|---|---:|");
  for (const p of r.phases) out.push(`| ${p.phase} | ${p.step ?? "—"} | ${clock(p.startedAt)} | ${formatMs(p.durationMs)} |`);
  out.push("", "</details>", "");

  if (r.scenario?.rollback.length && r.verdict !== "passed") {
    out.push("### If the automatic rollback did not finish", "");
    for (const step of r.scenario.rollback) out.push(`1. ${step}`);
    out.push("");
  }
  return out.join("\n");
}
