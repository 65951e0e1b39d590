// `report render RUN_DIR`: (re)writes every report from the run directory alone — the same code the
// runner calls at the end of a run, so a regenerated report equals the original.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Verdict } from "../timeline.ts";
import { reportHtml } from "./html.ts";
import { reportJson } from "./json.ts";
import { judge } from "./judge.ts";
import { junitXml } from "./junit.ts";
import { summaryMarkdown } from "./markdown.ts";
import type { Report } from "./model.ts";
import { readRunDirectory } from "./run-dir.ts";

export interface RenderedReports {
  verdict: Verdict;
  reasons: string[];
  reports: { json: string; junit: string; markdown: string; html: string };
  report: Report;
}

export function renderReports(runDir: string): RenderedReports {
  const report = judge(readRunDirectory(runDir));
  const dir = join(runDir, "reports");
  mkdirSync(dir, { recursive: true });
  const reports = {
    json: join(dir, "report.json"),
    junit: join(dir, "junit.xml"),
    markdown: join(dir, "summary.md"),
    html: join(dir, "report.html"),
  };
  writeFileSync(reports.json, reportJson(report));
  writeFileSync(reports.junit, junitXml(report));
  writeFileSync(reports.markdown, summaryMarkdown(report));
  writeFileSync(reports.html, reportHtml(report));
  return { verdict: report.verdict, reasons: report.reasons, reports, report };
}
