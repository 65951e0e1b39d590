// The `report` group: regenerate a run's reports from its run directory alone. The work is done by
// runner/report/.
import type { Command } from "commander";
import { jsonOption } from "./options.ts";
import { printJson, progress } from "./print.ts";

export function registerReport(program: Command): void {
  const report = program.command("report").description("reports of scenario runs, computed from the run directory");

  report
    .command("render")
    .description("(re)write reports/report.json, junit.xml, summary.md and report.html from RUN_DIR's timeline and metrics")
    .argument("<run-dir>", "a run directory, e.g. .artifacts/runs/<runId>")
    .addOption(jsonOption("{ runDir, verdict, reasons, reports: { json, junit, markdown, html } }"))
    .action(async (runDir: string, flags: { json?: boolean }, command: Command) => {
      const { renderReports } = await import("../runner/report/render.ts");
      const { RunDirectoryError } = await import("../runner/report/run-dir.ts");
      let rendered;
      try {
        rendered = renderReports(runDir);
      } catch (error) {
        // Not a run directory (or a damaged one): a usage error, nothing was written.
        if (error instanceof RunDirectoryError) command.error(`error: ${error.message}`, { exitCode: 2, code: "meshkit.usage" });
        throw error;
      }
      if (flags.json) return printJson({ runDir, verdict: rendered.verdict, reasons: rendered.reasons, reports: rendered.reports });
      progress(`${rendered.verdict}${rendered.reasons.length ? `: ${rendered.reasons[0]}` : ""}`);
      for (const [kind, path] of Object.entries(rendered.reports)) progress(`${kind.padEnd(8)} ${path}`);
    });
}
