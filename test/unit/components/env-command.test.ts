import { describe, expect, it } from "vitest";
import { parseCommandLine, publicOutputs, UsageError } from "../../../scripts/env.ts";

describe("env command line", () => {
  it("parses up/down/reset with their flags", () => {
    expect(parseCommandLine(["up", "--nodes", "5", "--json"])).toEqual({
      command: "up",
      stack: "local",
      nodes: 5,
      json: true,
      newRunId: false,
    });
    expect(parseCommandLine(["reset", "--stack", "ci"])).toMatchObject({ command: "reset", stack: "ci" });
    expect(parseCommandLine(["--help"])).toBe("help");
  });

  it("rejects bad input with a message that says what was expected", () => {
    expect(() => parseCommandLine(["launch"])).toThrow(/expected up, down, reset or purge/);
    expect(() => parseCommandLine(["up", "--nodes", "three"])).toThrow(/--nodes expects a whole number/);
    expect(() => parseCommandLine(["up", "--nodes", "0"])).toThrow(UsageError);
    expect(() => parseCommandLine(["up", "--nodes", "0"])).toThrow(/nodes/);
    expect(() => parseCommandLine(["up", "--stack", "Bad Name"])).toThrow(/--stack expects/);
    expect(() => parseCommandLine(["up", "--bogus"])).toThrow();
  });

  it("never prints secret stack outputs", () => {
    const outputs = publicOutputs({
      prometheusUrl: { value: "http://127.0.0.1:30000", secret: false },
      agentToken: { value: "t0ken", secret: true },
    });
    expect(outputs).toEqual({ prometheusUrl: "http://127.0.0.1:30000" });
  });
});
