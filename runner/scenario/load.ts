// Loading a scenario file: YAML (with positions) -> zod (the model) -> semantic checks (the fault
// catalog, durations, probes, thresholds, names). Either every scenario of the file, typed, with its
// definition hash, or every problem found — never a partial result, never a throw on bad input.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import canonicalize from "canonicalize";
import { checkParsableFaults, checkScenario } from "./checks.ts";
import { zodProblems } from "./issues.ts";
import { scenarioFile, type Scenario } from "./model.ts";
import { ScenarioInputError, type DocPath, type ScenarioProblem } from "./problems.ts";
import { YamlSource } from "./source.ts";

export interface LoadedScenario {
  readonly scenario: Scenario;
  /** sha256 (hex) of the RFC 8785 canonical JSON of the parsed scenario (defaults filled in). */
  readonly definitionHash: string;
  readonly file: string;
  /** Position in a list file; null when the file holds one scenario. */
  readonly index: number | null;
  /** Line of the scenario in the file (1 for a single scenario). */
  readonly line: number;
}

export type ScenarioLoad =
  | { readonly ok: true; readonly file: string; readonly text: string; readonly scenarios: readonly LoadedScenario[] }
  | { readonly ok: false; readonly file: string; readonly problems: readonly ScenarioProblem[] };

/** The definition hash: equal for equal definitions however the YAML was written (order, style, defaults). */
export const definitionHash = (s: Scenario): string =>
  createHash("sha256").update(canonicalize(s) ?? "").digest("hex");

/** Parses the text of a scenario file (pure: reads nothing, applies nothing). */
export function parseScenarioText(text: string, file: string): ScenarioLoad {
  const source = new YamlSource(text, file);
  if (source.syntaxProblems.length > 0) return { ok: false, file, problems: source.syntaxProblems };
  const parsed = scenarioFile.safeParse(source.data);
  if (!parsed.success) {
    const raw = source.data;
    const faults = Array.isArray(raw) ? raw.flatMap((s, i) => checkParsableFaults(s, [i], source)) : checkParsableFaults(raw, [], source);
    return { ok: false, file, problems: sortProblems([...zodProblems(parsed.error, scenarioFile, source), ...faults]) };
  }

  const list = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  const base = (i: number): DocPath => (Array.isArray(parsed.data) ? [i] : []);
  const problems: ScenarioProblem[] = list.flatMap((s, i) => checkScenario(s, base(i), source));
  const seen = new Map<string, number>();
  list.forEach((s, i) => {
    const first = seen.get(s.metadata.name);
    if (first !== undefined) {
      problems.push(source.problem([...base(i), "metadata", "name"], `scenario name '${s.metadata.name}' is used twice in this file (first at [${first}]); names identify scenarios in the catalog and in reports`));
    } else seen.set(s.metadata.name, i);
  });
  if (problems.length > 0) return { ok: false, file, problems: sortProblems(problems) };

  return {
    ok: true,
    file,
    text,
    scenarios: list.map((scenario, i) => ({
      scenario,
      definitionHash: definitionHash(scenario),
      file,
      index: Array.isArray(parsed.data) ? i : null,
      line: source.locate(base(i)).line,
    })),
  };
}

/** Reads and parses a scenario file; an unreadable file is a problem too (at 1:1). */
export async function loadScenarioFile(file: string): Promise<ScenarioLoad> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    return { ok: false, file, problems: [{ file, line: 1, column: 1, path: "", message: `cannot read the scenario file: ${reason}` }] };
  }
  return parseScenarioText(text, file);
}

/** For plan and run: the scenarios of a file, or a ScenarioInputError listing every problem. */
export async function loadScenariosOrThrow(file: string): Promise<readonly LoadedScenario[]> {
  const loaded = await loadScenarioFile(file);
  if (!loaded.ok) throw new ScenarioInputError(loaded.problems);
  return loaded.scenarios;
}

const sortProblems = (ps: readonly ScenarioProblem[]): ScenarioProblem[] =>
  [...ps].sort((a, b) => a.line - b.line || a.column - b.column);
