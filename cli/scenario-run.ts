// `scenario plan|run|recover`: plan a scenario against the live environment, run it through its
// phases (runner/scenario-run.ts), reconcile what a killed runner left. Exit codes of `run`: 0 passed,
// 1 hypothesis or SLO failed (or the artifact step failed), 2 invalid input (nothing ran), 3 aborted.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { argument } from "./exit.ts";
import { jsonOption, stackOption } from "./options.ts";
import { printJson, progress } from "./print.ts";
import { interruption } from "./signals.ts";

export const runExitCodes = { passed: 0, failed: 1, invalid: 2, aborted: 3 } as const;

interface RunFlags {
  stack: string;
  json?: boolean;
  dryRun?: boolean;
  out?: string;
  from?: string;
  name?: string;
  lease: number;
  verbose?: boolean;
}

/** Invalid input: exit 2, nothing ran. */
const invalid = (command: Command, message: string): never => command.error(`error: ${message}`, { exitCode: runExitCodes.invalid, code: "meshkit.usage" });

interface Chosen {
  readonly scenario: import("../runner/scenario/model.ts").Scenario;
  readonly definitionHash: string;
  readonly file: string;
  readonly text: string;
}

/** The scenario to plan or run: from FILE (one scenario, or --name of a list), or exactly the one recorded in --from RUN_DIR. */
async function choose(command: Command, file: string | undefined, flags: { from?: string; name?: string }): Promise<Chosen> {
  const { parseScenarioText } = await import("../runner/scenario/load.ts");
  const { formatProblem } = await import("../runner/scenario/problems.ts");
  let text: string;
  let source: string;
  let recordedHash: string | undefined;
  let name = flags.name;
  if (flags.from) {
    if (file) invalid(command, "give either FILE or --from RUN_DIR, not both");
    const yamlPath = join(flags.from, "scenario.yaml");
    const jsonPath = join(flags.from, "scenario.json");
    if (!existsSync(yamlPath) || !existsSync(jsonPath)) invalid(command, `${flags.from} is not a run directory (no scenario.yaml and scenario.json); expected .artifacts/runs/<runId>`);
    const recorded = JSON.parse(readFileSync(jsonPath, "utf8")) as { definitionHash?: string; scenario?: { metadata?: { name?: string } }; file?: string };
    recordedHash = recorded.definitionHash;
    name ??= recorded.scenario?.metadata?.name;
    text = readFileSync(yamlPath, "utf8");
    source = yamlPath;
  } else {
    if (!file) invalid(command, "a scenario FILE is needed (or --from RUN_DIR to re-run a recorded one)");
    source = file!;
    if (!existsSync(source)) invalid(command, `${source}: no such file; expected a scenario file such as scenarios/leader-failover.yaml`);
    text = readFileSync(source, "utf8");
  }
  const loaded = parseScenarioText(text, source);
  if (!loaded.ok) invalid(command, `${source} is not a valid scenario file:\n${loaded.problems.map(formatProblem).join("\n")}`);
  if (!loaded.ok) throw new Error("unreachable");
  const list = loaded.scenarios;
  const pick = name ? list.find((s) => s.scenario.metadata.name === name) : list.length === 1 ? list[0] : undefined;
  if (!pick) {
    invalid(command, name ? `${source} has no scenario named ${name} (it has: ${list.map((s) => s.scenario.metadata.name).join(", ")})` : `${source} holds ${list.length} scenarios; choose one with --name (${list.map((s) => s.scenario.metadata.name).join(", ")})`);
  }
  if (recordedHash && pick!.definitionHash !== recordedHash) {
    invalid(command, `${source}: the definition hash is ${pick!.definitionHash}, but the run recorded ${recordedHash}: the recorded definition was changed; nothing was run`);
  }
  return { scenario: pick!.scenario, definitionHash: pick!.definitionHash, file: source, text };
}

export function addRunCommands(scenario: Command): void {
  scenario
    .command("plan")
    .description("the resolved plan of a scenario: targets as they would be now, blast radius checked; nothing is run")
    .argument("<file>", "scenario file")
    .option("--name <scenario>", "the scenario to plan when the file holds several")
    .addOption(stackOption())
    .addOption(jsonOption("the plan"))
    .action(async (file: string, flags: RunFlags, command: Command) => {
      const chosen = await choose(command, file, flags);
      const { prepareRun, ScenarioRefused } = await import("../runner/scenario-run.ts");
      const { describePlan } = await import("../runner/planner.ts");
      try {
        const { plan } = await prepareRun(chosen.scenario, flags.stack);
        if (flags.json) return printJson({ ...plan, definitionHash: chosen.definitionHash });
        for (const line of describePlan(plan)) progress(line);
      } catch (error) {
        if (error instanceof ScenarioRefused) invalid(command, error.message);
        throw error;
      }
    });

  scenario
    .command("run")
    .description("run a scenario: baseline, each step injected and monitored, rollback, recovery; reports and an artifact bundle")
    .argument("[file]", "scenario file (or --from RUN_DIR)")
    .option("--name <scenario>", "the scenario to run when the file holds several")
    .option("--out <dir>", "directory of run directories (default .artifacts/runs)")
    .option("--dry-run", "every phase except injection: faults logged, probes must return data, `pulumi preview` of the run stack")
    .option("--from <run-dir>", "re-run exactly the definition recorded in a run directory")
    .addOption(
      new Option("--lease <time>", "agent lease of each fault, renewed while the run holds it; a killed runner leaves a fault at most this long")
        .default(10, "10s")
        .argParser(
          argument((v) => {
            const ms = /^(\d+)s$/.exec(v);
            if (!ms || Number(ms[1]) < 2 || Number(ms[1]) > 3600) throw new Error(`--lease expects whole seconds 2s..3600s, got ${JSON.stringify(v)}`);
            return Number(ms[1]);
          }),
        ),
    )
    .option("--verbose", "show the Pulumi engine's progress")
    .addOption(stackOption())
    .addOption(jsonOption("{ runId, verdict, runDir, reports, bundle } as the last line"))
    .action(async (file: string | undefined, flags: RunFlags, command: Command) => {
      const chosen = await choose(command, file, flags);
      const { runScenario, ScenarioRefused } = await import("../runner/scenario-run.ts");
      const { signal, dispose } = interruption();
      try {
        const result = await runScenario({
          scenario: chosen.scenario,
          sourceText: chosen.text,
          file: chosen.file,
          definitionHash: chosen.definitionHash,
          envStack: flags.stack,
          dryRun: flags.dryRun ?? false,
          leaseSeconds: flags.lease,
          signal,
          ...(flags.out ? { runsDir: resolve(flags.out) } : {}),
          onProgress: progress,
          ...(flags.verbose ? { onOutput: progress } : {}),
        });
        if (flags.json) {
          printJson({ runId: result.runId, verdict: result.verdict, runDir: result.runDir, reports: result.reports, bundle: result.bundle, ...(result.artifactError ? { artifactError: result.artifactError } : {}) });
        } else if (result.reports) {
          progress(`report: ${result.reports.html}`);
        }
        // A signal that aborted the run ends as an aborted run (3), not as an interrupted command.
        process.exitCode = result.verdict === "aborted" ? runExitCodes.aborted : result.verdict === "failed" || result.artifactError ? runExitCodes.failed : runExitCodes.passed;
      } catch (error) {
        if (error instanceof ScenarioRefused) invalid(command, error.message);
        throw error;
      } finally {
        dispose();
      }
    });

  scenario
    .command("recover")
    .description("reconcile what a killed runner left: destroy its run stack (the agents' leases have reverted its faults) and close its timeline")
    .argument("[run]", "a run id (default: every scenario run of the environment whose runner is gone)")
    .option("--out <dir>", "directory of run directories (default .artifacts/runs)")
    .addOption(stackOption())
    .addOption(jsonOption("what was reconciled"))
    .action(async (run: string | undefined, flags: RunFlags) => {
      const { readEnvironment } = await import("../lifecycle/environment.ts");
      const { recoverRuns } = await import("../runner/recover.ts");
      const { defaultRunsDir } = await import("../runner/artifacts.ts");
      const env = await readEnvironment(flags.stack);
      const recovered = await recoverRuns({ envStack: flags.stack, access: env, runsDir: flags.out ? resolve(flags.out) : defaultRunsDir, ...(run ? { runId: run } : {}), onProgress: progress });
      for (const r of recovered.filter((x) => x.action === "skipped")) progress(`run stack ${r.runStack}: left alone — ${r.why}`);
      if (recovered.length === 0) progress(`no run stack of ${flags.stack} to reconcile`);
      if (flags.json) printJson({ recovered });
    });
}
