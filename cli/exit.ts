// Exit codes of every command: 0 ok, 1 failure, 2 usage (bad flags or values: nothing was done),
// 128+n when a signal stopped it.
import { CommanderError, InvalidArgumentError } from "commander";

export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

/** Wraps a value parser so that its error becomes a usage error (exit 2) naming the flag. */
export function argument<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** The exit code for what a command threw. Commander has already printed its own errors. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and --version end with exit code 0; every other Commander error is a usage error.
    return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  }
  return exitCodes.failure;
}
