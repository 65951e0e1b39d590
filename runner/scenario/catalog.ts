// The scenario catalog: every scenario under a directory (default scenarios/), with its version and
// definition hash, so a run can say exactly which definition it ran and `list` shows what exists.

import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "./load.ts";
import type { ScenarioProblem } from "./problems.ts";

export const defaultScenarioDir = fileURLToPath(new URL("../../scenarios/", import.meta.url));

/** Files under the catalog directory that are not scenarios. */
const notScenarios = new Set(["policy.yaml", "policy.yml"]);

export interface CatalogEntry {
  readonly name: string;
  readonly version: string;
  readonly owner: string;
  readonly tags: readonly string[];
  readonly description: string;
  /** Path as given (relative to the working directory when under it). */
  readonly file: string;
  /** Position in a list file; null for a file of one scenario. */
  readonly index: number | null;
  readonly definitionHash: string;
}

export interface Catalog {
  readonly dir: string;
  readonly entries: readonly CatalogEntry[];
  /** Files that do not lint clean, with their problems (listed, not hidden). */
  readonly invalid: readonly { readonly file: string; readonly problems: readonly ScenarioProblem[] }[];
}

/** Every `*.yaml`/`*.yml` scenario file under `dir` (recursively), sorted by name then file. */
export async function listCatalog(dir: string = defaultScenarioDir): Promise<Catalog> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name) && !notScenarios.has(d.name))
    .map((d) => join(d.parentPath, d.name))
    .sort();
  const entries: CatalogEntry[] = [];
  const invalid: { file: string; problems: readonly ScenarioProblem[] }[] = [];
  for (const path of files) {
    const shown = displayPath(path);
    const loaded = await loadScenarioFile(shown);
    if (!loaded.ok) {
      invalid.push({ file: shown, problems: loaded.problems });
      continue;
    }
    const clash = loaded.scenarios.find((l) => entries.some((e) => e.name === l.scenario.metadata.name));
    if (clash) {
      // Names identify scenarios in runs and reports: a second file with the same name is refused, not merged.
      const first = entries.find((e) => e.name === clash.scenario.metadata.name)!;
      const message = `scenario name '${clash.scenario.metadata.name}' is already used by ${first.file}; names must be unique in the catalog`;
      invalid.push({ file: shown, problems: [{ file: shown, line: clash.line, column: 1, path: clash.index === null ? "metadata.name" : `[${clash.index}].metadata.name`, message }] });
      continue;
    }
    for (const l of loaded.scenarios) {
      const m = l.scenario.metadata;
      entries.push({ name: m.name, version: m.version, owner: m.owner, tags: m.tags, description: m.description, file: shown, index: l.index, definitionHash: l.definitionHash });
    }
  }
  entries.sort((a, b) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file));
  return { dir: displayPath(dir), entries, invalid };
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}
