// Starts the real agent (agent/main.ts through tsx) as a child process and waits for its ready line.
// Used by the agent's unit tests directly and by test/support/agent-netns.ts (agent in a netns).

import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { agentApi } from "../../agent/contract.ts";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
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
  /** http://host:port as the agent printed it (127.0.0.1 when it listens on every address). */
  readonly url: string;
  readonly output: () => string;
  /** SIGTERM, then waits for the exit (the agent reverts its faults first). */
  readonly stop: () => Promise<void>;
  /** SIGKILL, then waits: the agent gets no chance to revert (the journal's case). */
  readonly kill: () => Promise<void>;
  /** Settles with the exit code once the process is gone. */
  readonly exited: Promise<number | undefined>;
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
  const ready = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent not ready after 30 s:\n${out}`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      const ready = /\{"ready":true[^\n]*\}/.exec(chunk.toString("utf8"));
      if (ready) {
        clearTimeout(timer);
        resolve(JSON.parse(ready[0]) as { host: string; port: number });
      }
    });
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`agent exited (${r.exitCode}) before ready:\n${out}`));
    });
  });
  const host = ["0.0.0.0", "::"].includes(ready.host) ? "127.0.0.1" : ready.host;
  const exited = child.then((r) => r.exitCode);
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${ready.port}`,
    output: () => out,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    exited,
  };
}

export const get = (url: string, token?: string): Promise<Response> =>
  fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
