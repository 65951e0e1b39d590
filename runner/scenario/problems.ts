// What lint reports: one problem per mistake, each with where it is (file:line:column of the offending
// YAML node, and its path in the document) and what was expected.

/** A path in a scenario document, as zod and the YAML tree walk it: keys and list indexes. */
export type DocPath = readonly (string | number)[];

export interface ScenarioProblem {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** `steps[2].params.delay`; "" for the document itself. */
  readonly path: string;
  readonly message: string;
}

/** `steps[2].params.delay`; `[1].metadata.name` in a list file. */
export function formatPath(path: DocPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** `file:line:col: path: message` — the form editors and CI annotators recognise. */
export const formatProblem = (p: ScenarioProblem): string =>
  `${p.file}:${p.line}:${p.column}: ${p.path === "" ? "(document)" : p.path}: ${p.message}`;

/** Bad scenario input for callers that prefer an exception (plan, run): every problem, formatted. */
export class ScenarioInputError extends Error {
  readonly problems: readonly ScenarioProblem[];

  constructor(problems: readonly ScenarioProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ScenarioInputError";
    this.problems = problems;
  }
}
