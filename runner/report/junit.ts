// junit.xml: one testsuite per scenario, one testcase per hypothesis probe and per SLO, one for the
// fault rollback and one for the run itself (a CI dashboard shows an abort as a failure). Failure
// messages carry the measured values. Checked against the Jenkins xUnit JUnit XSD in the tests.
import { formatMs, formatThreshold, formatValue } from "./judge.ts";
import type { Report } from "./model.ts";

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!)
    // Characters XML 1.0 cannot carry at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");

const seconds = (ms: number | null): string => ((ms ?? 0) / 1000).toFixed(3);
const spanMs = (from: string | null | undefined, to: string | null | undefined): number | null =>
  from && to ? Date.parse(to) - Date.parse(from) : null;

interface Case {
  classname: string;
  name: string;
  timeMs: number | null;
  failure: { message: string; type: string; body: string } | null;
  out: string;
}

function cases(r: Report): Case[] {
  const suite = r.run.scenario;
  const result: Case[] = [];
  for (const p of r.probes) {
    const out = [
      `query: ${p.query ?? "(unknown)"}`,
      `threshold: ${p.threshold ? formatThreshold(p.threshold) : "-"}; abort: ${p.abort ? formatThreshold(p.abort) : "-"}`,
      `samples ${p.samples}: ${p.passes} pass, ${p.fails} fail, ${p.noData} no data; range ${formatValue(p.min)} .. ${formatValue(p.max)}`,
      p.firstBreach ? `first breach: value ${formatValue(p.firstBreach.value)} sampled ${p.firstBreach.sampleAt} decided ${p.firstBreach.at}` : "",
    ].filter(Boolean).join("\n");
    result.push({
      classname: `${suite}.hypothesis`,
      name: `probe ${p.name}`,
      // The probe was evaluated from the run's start to its last sample.
      timeMs: spanMs(r.run.startedAt, p.last?.at),
      failure: p.pass ? null : { message: `probe ${p.name}: ${p.failure}`, type: p.firstAbortBreach ? "AbortThresholdBreached" : p.fails ? "SteadyStateBroken" : "NoData", body: out },
      out,
    });
  }
  for (const s of r.slos) {
    const measured = s.measuredMs === null ? "did not converge" : `measured ${formatMs(s.measuredMs)}`;
    result.push({
      classname: `${suite}.slo`,
      name: `slo ${s.name} (step ${s.step})`,
      timeMs: s.measuredMs,
      failure: s.pass ? null : { message: `SLO ${s.name}: ${measured}, expected within ${formatMs(s.withinMs)}`, type: "SloMissed", body: `${measured}; within ${formatMs(s.withinMs)}` },
      out: `${measured}; within ${formatMs(s.withinMs)}`,
    });
  }
  const faultLines = r.faults.map((f) => `${f.faultId} ${f.kind} on ${f.targets.join(",")}: ${f.status}; applied ${f.appliedAt ?? "-"}, reverted ${f.revertedAt ?? "-"}`);
  const rollbackFailures = r.faults.filter((f) => f.failures.length || r.rollback.unreverted.includes(f.faultId));
  result.push({
    classname: `${suite}.rollback`,
    name: "every fault verified reverted",
    timeMs: r.faults.reduce((sum, f) => sum + (f.nodes.reduce((m, n) => Math.max(m, n.revertMs ?? 0), 0)), 0),
    failure: rollbackFailures.length
      ? { message: `not verified reverted: ${rollbackFailures.map((f) => `${f.faultId} (${f.status}${f.failures.length ? `: ${f.failures.join("; ")}` : ""})`).join(", ")}`, type: "RollbackIncomplete", body: faultLines.join("\n") }
      : null,
    out: faultLines.join("\n"),
  });
  const a = r.abort;
  const abortLines = a
    ? [
        `aborted during ${a.phase} at ${a.at}: ${a.reason}`,
        `breach sample ${a.sampleAt ?? "-"} -> abort ${formatMs(a.breachToAbortMs)} -> every fault reverted ${formatMs(a.breachToAllRevertedMs)}`,
      ].join("\n")
    : "ran every phase without abort";
  result.push({
    classname: `${suite}.run`,
    name: "run completed without abort",
    timeMs: r.run.durationMs,
    failure: a ? { message: `aborted during ${a.phase}: ${a.reason}`, type: "Aborted", body: abortLines } : null,
    out: abortLines,
  });
  return result;
}

export function junitXml(r: Report): string {
  const all = cases(r);
  const failures = all.filter((c) => c.failure).length;
  const props: [string, string][] = [
    ["runId", r.run.runId],
    ["version", r.run.version],
    ["definitionHash", r.run.definitionHash],
    ["envStack", r.run.envStack],
    ["dryRun", String(r.run.dryRun)],
    ["verdict", r.verdict],
    ["startedAt", r.run.startedAt],
  ];
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="meshkit-chaos" tests="${all.length}" failures="${failures}" errors="0" time="${seconds(r.run.durationMs)}">`,
    `  <testsuite name="${escape(r.run.scenario)}" package="meshkit-chaos" id="0" tests="${all.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(r.run.durationMs)}" timestamp="${r.run.startedAt.replace(/\.\d+Z$|Z$/, "")}" hostname="localhost">`,
    `    <properties>`,
    ...props.map(([k, v]) => `      <property name="${k}" value="${escape(v)}"/>`),
    `    </properties>`,
  ];
  for (const c of all) {
    const head = `    <testcase classname="${escape(c.classname)}" name="${escape(c.name)}" time="${seconds(c.timeMs)}"`;
    lines.push(`${head}>`);
    if (c.failure) lines.push(`      <failure message="${escape(c.failure.message)}" type="${c.failure.type}">${escape(c.failure.body)}</failure>`);
    lines.push(`      <system-out>${escape(c.out)}</system-out>`, `    </testcase>`);
  }
  lines.push(`  </testsuite>`, `</testsuites>`, "");
  return lines.join("\n");
}
