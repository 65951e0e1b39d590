// The message of the FaultInputError a piece of bad fault input throws; fails the test when nothing,
// or something else, is thrown.
import { expect } from "vitest";
import { FaultInputError } from "../../faults/errors.ts";

export const faultInputMessage = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FaultInputError);
    return (e as Error).message;
  }
  throw new Error("expected a FaultInputError, nothing was thrown");
};
