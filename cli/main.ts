// `meshkit-chaos <group> <command>`: the product CLI. It parses arguments and prints; the work is done
// by the libraries (lifecycle/, components/, faults/). Exit codes: cli/exit.ts.
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerEnv } from "./env.ts";
import { exitCodeOf, exitCodes } from "./exit.ts";
import { registerFault } from "./fault.ts";
import { registerKube } from "./kube.ts";
import { registerReport } from "./report.ts";
import { registerScenario } from "./scenario.ts";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

export function buildProgram(): Command {
  const program = new Command("meshkit-chaos")
    .description("chaos-engineering environments for MeshKit meshes, on Pulumi")
    .version(version)
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");
  registerEnv(program);
  registerFault(program);
  registerKube(program);
  registerReport(program);
  registerScenario(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : exitCodes.ok;
  } catch (error) {
    // A signal stopped the work (cli/signals.ts set 128 + its number): the engine's error is its echo.
    if (typeof process.exitCode === "number" && process.exitCode >= 128) {
      process.stderr.write("interrupted: the engine stopped after its current step and released the stack\n");
      return process.exitCode;
    }
    const code = exitCodeOf(error);
    // Commander printed its own (usage) errors; everything else is a failure of the work.
    if (code === exitCodes.failure) process.stderr.write(`error: ${(error as Error).message}\n`);
    return code;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = await main(process.argv.slice(2));
}
