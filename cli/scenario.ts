// The `scenario` group: lint scenario files, write their JSON Schema, list the catalog; plan, run and
// recover come from cli/scenario-run.ts. The work is done by runner/scenario/ (load, schema, catalog).
import { writeFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { parseStackName } from "../lifecycle/stack-name.ts";
import { argument } from "./exit.ts";
import { jsonOption } from "./options.ts";
import { printJson, progress } from "./print.ts";
import { addRunCommands } from "./scenario-run.ts";

export function registerScenario(program: Command): void {
  const scenario = program.command("scenario").description("chaos experiments as YAML scenarios: lint, schema, catalog, plan, run, recover");

  scenario
    .command("lint")
    .description("check scenario files: every problem as file:line:col: path: message; exit 1 on any problem")
    .argument("<files...>", "scenario files (YAML: one scenario or a list)")
    .addOption(jsonOption("the problems (a list of {file, line, column, path, message})"))
    .action(async (files: string[], flags: { json?: boolean }) => {
      const { loadScenarioFile } = await import("../runner/scenario/load.ts");
      const { formatProblem } = await import("../runner/scenario/problems.ts");
      const problems = [];
      let scenarios = 0;
      for (const file of files) {
        const loaded = await loadScenarioFile(file);
        if (loaded.ok) scenarios += loaded.scenarios.length;
        else problems.push(...loaded.problems);
      }
      if (flags.json) printJson(problems);
      else for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
      const bad = new Set(problems.map((p) => p.file)).size;
      progress(
        problems.length === 0
          ? `${files.length} file(s), ${scenarios} scenario(s): no problems`
          : `${problems.length} problem(s) in ${bad} of ${files.length} file(s)`,
      );
      if (problems.length > 0) process.exitCode = 1;
    });

  scenario
    .command("schema")
    .description("the JSON Schema of scenario files, generated from the DSL's zod model (committed as scenarios/scenario.schema.json)")
    .option("--out <file>", "write it to this file instead of stdout")
    .action(async (flags: { out?: string }) => {
      const { scenarioJsonSchemaText } = await import("../runner/scenario/schema.ts");
      const text = scenarioJsonSchemaText();
      if (!flags.out) return void process.stdout.write(text);
      await writeFile(flags.out, text);
      progress(`wrote ${flags.out}`);
    });

  scenario
    .command("list")
    .description("the scenario catalog: name, version, owner, tags, file and definition hash of every scenario")
    .option("--dir <dir>", "catalog directory (default: the project's scenarios/)")
    .addOption(jsonOption("the catalog ({dir, entries, invalid})"))
    .action(async (flags: { dir?: string; json?: boolean }) => {
      const { listCatalog } = await import("../runner/scenario/catalog.ts");
      const { formatProblem } = await import("../runner/scenario/problems.ts");
      const catalog = await listCatalog(flags.dir);
      if (flags.json) printJson(catalog);
      else {
        const rows = catalog.entries.map((e) => [e.name, e.version, e.owner, e.tags.join(","), e.index === null ? e.file : `${e.file}[${e.index}]`, e.definitionHash.slice(0, 12)]);
        const header = ["NAME", "VERSION", "OWNER", "TAGS", "FILE", "DEFINITION"];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
        for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()}\n`);
        progress(`${catalog.entries.length} scenario(s) in ${catalog.dir}`);
      }
      for (const f of catalog.invalid) {
        progress(`${f.file}: not listed, it does not lint clean:`);
        for (const p of f.problems) progress(`  ${formatProblem(p)}`);
      }
      if (catalog.invalid.length > 0) process.exitCode = 1;
    });

  scenario
    .command("export")
    .description("a scenario as a Chaos Mesh Workflow (Serial/Parallel steps, Suspend for pauses, the faults' CRs with deadlines); targets resolved now")
    .argument("<file>", "scenario file")
    .addOption(new Option("--format <format>", "what to export to").choices(["chaos-mesh-workflow"]).makeOptionMandatory())
    .addOption(
      new Option("--stack <name>", "a Kubernetes stack: its namespace, and its live topology when it is up").argParser(argument((v) => parseStackName(v, "--stack"))),
    )
    .option("--namespace <ns>", "namespace of the Workflow and its selectors (default: the stack's, else meshkit-chaos)")
    .option("--leader <node>", "the leader role:leader means when no live environment says (offline export)")
    .option("--name <scenario>", "only this scenario of the file")
    .option("--out <file>", "write the Workflow YAML here instead of stdout")
    .addOption(jsonOption("{ workflows: [{ workflow, notes }], resolvedAgainst }"))
    .action(async (file: string, flags: { stack?: string; namespace?: string; leader?: string; name?: string; out?: string; json?: boolean }, command: Command) => {
      const { exportWorkflows, workflowsYaml } = await import("../runner/chaos-mesh/export.ts");
      const { PlanRefused } = await import("../runner/planner.ts");
      const { ScenarioInputError } = await import("../runner/scenario/problems.ts");
      const { ChaosMeshUnavailable } = await import("../runner/chaos-mesh/cluster.ts");
      let exported;
      try {
        exported = await exportWorkflows(file, flags);
      } catch (error) {
        if (error instanceof PlanRefused || error instanceof ScenarioInputError || error instanceof ChaosMeshUnavailable) {
          command.error(`error: ${error.message}`, { exitCode: 2, code: "meshkit.usage" });
        }
        throw error;
      }
      for (const w of exported.workflows) for (const n of w.notes) progress(`${w.workflow.metadata.name}: note: ${n}`);
      progress(`targets resolved against ${exported.resolvedAgainst}`);
      if (flags.json) printJson(exported);
      else if (!flags.out) process.stdout.write(workflowsYaml(exported));
      if (flags.out) {
        await writeFile(flags.out, workflowsYaml(exported));
        progress(`wrote ${exported.workflows.length} Workflow(s) to ${flags.out}`);
      }
    });

  addRunCommands(scenario);
}
