// Bad fault input (unknown kind, parameter out of bounds, target not in the environment): the CLI
// reports these as usage errors (exit 2) and nothing is applied.

export class FaultInputError extends Error {
  /** Each problem found, one line each; `message` joins them. */
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === "string" ? [problems] : problems;
    super(list.join("\n"));
    this.name = "FaultInputError";
    this.problems = list;
  }
}
