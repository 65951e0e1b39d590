// `meshkit-chaos kube` as a user runs it: help, and bad flags refused with exit 2 before anything starts.
import { describe, expect, it, vi } from "vitest";
import { parseSimulatedNodes } from "../../../cli/kube.ts";
import { meshkitChaos } from "../../support/cli.ts";

vi.setConfig({ testTimeout: 240_000 });

describe("meshkit-chaos kube", () => {
  it("prints help for the group and each command", async () => {
    const group = await meshkitChaos(["kube", "--help"]);
    expect(group.exitCode).toBe(0);
    for (const command of ["up", "down", "status"]) expect(group.stdout).toContain(`  ${command} `);
    const up = await meshkitChaos(["kube", "up", "--help"]);
    expect(up.exitCode).toBe(0);
    expect(up.stdout).toMatch(/--simulated-nodes <n>/);
    expect(up.stdout).toMatch(/--json/);
  });

  it("refuses a bad --simulated-nodes with exit 2 and says what was expected", async () => {
    for (const [value, message] of [
      ["three", /--simulated-nodes expects a whole number, got "three"/],
      ["-1", /--simulated-nodes expects a whole number/],
      ["10001", /--simulated-nodes is at most 10000, got 10001/],
    ] as const) {
      const result = await meshkitChaos(["kube", "up", "--simulated-nodes", value]);
      expect(result.exitCode, result.all).toBe(2);
      expect(result.all).toMatch(message);
    }
    const unknown = await meshkitChaos(["kube", "down", "--force"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.all).toMatch(/unknown option '--force'/);
  });

  it("parses a simulated node count within bounds", () => {
    expect(parseSimulatedNodes("0")).toBe(0);
    expect(parseSimulatedNodes("1000")).toBe(1000);
    expect(() => parseSimulatedNodes("1.5")).toThrow(/whole number/);
  });
});
