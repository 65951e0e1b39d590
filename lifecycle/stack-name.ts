// One validator for the name of an environment stack, used by every command, the program and the
// compose export: the name becomes part of Docker object names (mkc-<stack>-…) and of file paths.

const pattern = /^[a-z][a-z0-9-]{0,31}$/;

export class StackNameError extends Error {
  override name = "StackNameError";
}

/** The stack name, or a StackNameError saying where it came from and what is expected. */
export function parseStackName(value: string, source = "--stack"): string {
  if (pattern.test(value)) return value;
  throw new StackNameError(
    `${source}: ${JSON.stringify(value)} is not a stack name: expected a lower-case letter, then lower-case letters, ` +
      "digits or dashes, at most 32 characters (e.g. local, ci, team-a)",
  );
}

export const defaultStack = "local";
