// Starts test/support/mechanism-driver.ts inside a network namespace and talks to it line by line.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import type { Capabilities, Evidence } from "../../agent/protocol.ts";
import type { FaultKind } from "../../contract/meshkit.ts";

const driver = fileURLToPath(new URL("./mechanism-driver.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface DriverAnswer {
  readonly ok: boolean;
  readonly error?: string;
  readonly missing?: string[];
  readonly mechanism?: string | null;
  readonly evidence?: Evidence & { verified?: boolean };
}

export interface MechanismDriver {
  readonly pid: number;
  readonly capabilities: Capabilities;
  readonly journalPath: string;
  readonly apply: (kind: FaultKind, mechanism: string, id: string, params: Record<string, unknown>) => Promise<DriverAnswer>;
  readonly revert: (kind: FaultKind, mechanism: string, id: string, params: Record<string, unknown>) => Promise<DriverAnswer>;
  readonly choose: (kind: FaultKind, params: Record<string, unknown>) => Promise<DriverAnswer>;
  /** Closes stdin and waits for the exit. */
  readonly stop: () => Promise<void>;
  /** SIGKILL, as a crashed agent. */
  readonly kill: () => Promise<void>;
}

/** `journalPath` given: a driver taking over the journal of one that died (an agent restart). */
export async function startDriver(ns: string, env: Record<string, string>, journalPath?: string): Promise<MechanismDriver> {
  const journal = journalPath ?? join(mkdtempSync(join(tmpdir(), "meshkit-mech-")), "journal.json");
  const child: ResultPromise = execa("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", driver, journal], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    reject: false,
    stdin: "pipe",
    stderr: "pipe",
  });
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString("utf8");
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await Promise.race([
      lines.next(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`mechanism driver: no answer within 60 s; stderr:\n${stderr}`)), 60_000)),
    ]);
    if (line.done) throw new Error(`mechanism driver exited; stderr:\n${stderr}`);
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const ready = await next();
  const ask = async (req: Record<string, unknown>): Promise<DriverAnswer> => {
    child.stdin!.write(`${JSON.stringify(req)}\n`);
    return (await next()) as unknown as DriverAnswer;
  };
  return {
    pid: child.pid!,
    capabilities: ready.capabilities as Capabilities,
    journalPath: journal,
    apply: (kind, mechanism, id, params) => ask({ op: "apply", kind, mechanism, id, params }),
    revert: (kind, mechanism, id, params) => ask({ op: "revert", kind, mechanism, id, params }),
    choose: (kind, params) => ask({ op: "choose", kind, params }),
    stop: async () => {
      child.stdin!.end();
      await child;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await child;
    },
  };
}
