// The project-wide blast-radius policy (scenarios/policy.yaml): caps that no scenario can raise. The
// planner refuses a plan above them before anything runs.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { zodProblems } from "./issues.ts";
import { policy, type Policy } from "./model.ts";
import { ScenarioInputError, type ScenarioProblem } from "./problems.ts";
import { YamlSource } from "./source.ts";

export const defaultPolicyFile = fileURLToPath(new URL("../../scenarios/policy.yaml", import.meta.url));

export type PolicyLoad =
  | { readonly ok: true; readonly policy: Policy; readonly file: string }
  | { readonly ok: false; readonly file: string; readonly problems: readonly ScenarioProblem[] };

/** Parses a policy file's text (pure); an empty file means the defaults. */
export function parsePolicyText(text: string, file: string): PolicyLoad {
  const source = new YamlSource(text, file);
  if (source.syntaxProblems.length > 0) return { ok: false, file, problems: source.syntaxProblems };
  const data = source.data ?? {};
  const parsed = policy.safeParse(data);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error, policy, source).sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, file, problems };
  }
  return { ok: true, policy: parsed.data, file };
}

/** Reads the policy (default scenarios/policy.yaml); a missing or bad file is a problem, never a silent default. */
export async function loadPolicy(file: string = defaultPolicyFile): Promise<PolicyLoad> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    return { ok: false, file, problems: [{ file, line: 1, column: 1, path: "", message: `cannot read the blast-radius policy: ${reason}` }] };
  }
  return parsePolicyText(text, file);
}

/** For the planner: the policy, or a ScenarioInputError listing its problems. */
export async function loadPolicyOrThrow(file?: string): Promise<Policy> {
  const loaded = await loadPolicy(file);
  if (!loaded.ok) throw new ScenarioInputError(loaded.problems);
  return loaded.policy;
}
