// Bad configuration stops the agent before it serves, with a message naming the variable.

import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { agentApi } from "../../../agent/contract.ts";
import { agentCommand, baseEnv, newToken, repoRoot } from "../../support/agent-process.ts";

const { env } = agentApi;

async function runWith(overrides: Record<string, string | undefined>) {
  const merged: Record<string, string | undefined> = { ...baseEnv(newToken()), ...overrides };
  const vars = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  const [node, args] = agentCommand();
  return execa(node, args, { cwd: repoRoot, env: { ...vars, PATH: process.env.PATH }, extendEnv: false, reject: false, timeout: 30_000 });
}

describe("agent configuration", () => {
  it.each([
    ["the token is missing", { [env.token]: undefined }, env.token],
    ["the token is too short", { [env.token]: "short-secret-1" }, env.token],
    ["the node id is missing", { [env.nodeId]: undefined }, env.nodeId],
    ["the listen address has no port", { [env.listen]: "0.0.0.0" }, env.listen],
    ["the port is out of range", { [env.listen]: "127.0.0.1:70000" }, env.listen],
    ["the data directory does not exist", { [env.dataDir]: "/nonexistent/meshkit-data" }, env.dataDir],
    ["the node process matcher is unknown", { [env.nodeProcess]: "pid:7" }, env.nodeProcess],
  ])("exits non-zero when %s, naming the variable", async (_, overrides, variable) => {
    const r = await runWith(overrides);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(variable);
    expect(r.stdout).not.toContain('"ready"');
  });

  it("does not echo a rejected token", async () => {
    const r = await runWith({ [env.token]: "short-secret-1" });
    expect(r.stderr).not.toContain("short-secret-1");
  });
});
