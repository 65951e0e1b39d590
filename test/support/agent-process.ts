// Starts the real agent (agent/main.ts through tsx) as a child process and waits for its ready line.

import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { agentApi } from "../../../agent/contract.ts";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const agentEntry = join(repoRoot, "agent/main.ts");

/** Node with the tsx loader, so the agent runs from source exactly as `tsx agent/main.ts`. */
export const agentCommand = (): [string, string[]] => [process.execPath, ["--import", "tsx", agentEntry]];

export const newToken = (): string => randomBytes(24).toString("base64url");

export const baseEnv = (token: string): Record<string, string> => ({
  [agentApi.env.token]: token,
  [agentApi.env.nodeId]: "node-test",
  [agentApi.env.listen]: "127.0.0.1:0",
  [agentApi.env.dataDir]: mkdtempSync(join(tmpdir(), "meshkit-agent-data-")),
});

export interface RunningAgent {
  readonly url: string;
  readonly output: () => string;
  readonly stop: () => Promise<void>;
}

/** `prefix` runs the agent under another command (setpriv, ip netns exec). */
export async function startAgent(env: Record<string, string>, prefix: readonly string[] = []): Promise<RunningAgent> {
  const [node, args] = agentCommand();
  const [file, ...rest] = [...prefix, node, ...args];
  const child: ResultPromise = execa(file!, rest, {
    cwd: repoRoot,
    env: { ...env, PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
    extendEnv: false,
    reject: false,
    all: true,
  });
  let out = "";
  child.all?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent not ready after 30 s:\n${out}`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      const ready = /\{"ready":true[^\n]*\}/.exec(chunk.toString("utf8"));
      if (ready) {
        clearTimeout(timer);
        resolve((JSON.parse(ready[0]) as { port: number }).port);
      }
    });
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`agent exited (${r.exitCode}) before ready:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: async () => {
      child.kill("SIGTERM");
      await child;
    },
  };
}

export const get = (url: string, token?: string): Promise<Response> =>
  fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
