// Crash recovery on this machine's real processes: a lock whose process is gone is removed, a live one
// is reported with the command that recovers; marked processes of a dead session are found and stopped.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recoverStaleLocks, StackLockedError } from "../../../lifecycle/locks.ts";
import { findOrphans, processInfo, sessionVariable, stopProcesses } from "../../../lifecycle/processes.ts";

let backend: string;
const lockDir = () => join(backend, ".pulumi", "locks", "organization", "meshkit-chaos", "unit");

async function writeLock(pid: number, host = hostname()): Promise<string> {
  await mkdir(lockDir(), { recursive: true });
  const path = join(lockDir(), `lock-${pid}.json`);
  await writeFile(path, JSON.stringify({ pid, username: userInfo().username, hostname: host, timestamp: new Date().toISOString() }));
  await writeFile(`${path}.attrs`, "{}");
  return path;
}

beforeEach(async () => {
  backend = await mkdtemp(join(tmpdir(), "mkc-locks-"));
});
afterEach(async () => {
  await rm(backend, { recursive: true, force: true });
});

/** A pid that is certainly free: one of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn("true");
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}

describe("stale stack locks", () => {
  it("removes a lock whose process is gone, with its attributes file", async () => {
    await writeLock(await deadPid());
    const lines: string[] = [];
    const removed = await recoverStaleLocks("meshkit-chaos", "unit", (l) => lines.push(l), backend);
    expect(removed).toHaveLength(1);
    expect(await readdir(lockDir())).toEqual([]);
    expect(lines.join("\n")).toMatch(/removed the lock of an update that died \(process \d+ is gone/);
  });

  it("removes a lock whose pid now belongs to a process that is not pulumi", async () => {
    await writeLock(process.pid);
    expect(await recoverStaleLocks("meshkit-chaos", "unit", () => {}, backend)).toHaveLength(1);
  });

  it("keeps a lock of another machine and names the one command that recovers", async () => {
    await writeLock(1, "some-other-host");
    await expect(recoverStaleLocks("meshkit-chaos", "unit", () => {}, backend)).rejects.toThrow(StackLockedError);
    await expect(recoverStaleLocks("meshkit-chaos", "unit", () => {}, backend)).rejects.toThrow(
      /npx meshkit-chaos env unlock --stack unit/,
    );
    expect((await readdir(lockDir())).sort()).toEqual(["lock-1.json", "lock-1.json.attrs"]);
  });

  it("ignores the locks of other stacks", async () => {
    await writeLock(await deadPid());
    expect(await recoverStaleLocks("meshkit-chaos", "other", () => {}, backend)).toEqual([]);
    expect(await readdir(lockDir())).toHaveLength(2);
  });
});

describe("orphaned engine processes", () => {
  it("finds a process marked with a dead session and stops it; leaves a live session's process alone", async () => {
    const dead = await deadPid();
    const orphan = spawn("sleep", ["300"], { env: { ...process.env, [sessionVariable]: `${dead}-1` }, stdio: "ignore" });
    const me = (await processInfo(process.pid))!;
    const alive = spawn("sleep", ["300"], { env: { ...process.env, [sessionVariable]: `${me.pid}-${me.startTime}` }, stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const found = await findOrphans("/nonexistent-root");
      expect(found.map((o) => o.pid)).toContain(orphan.pid);
      expect(found.map((o) => o.pid)).not.toContain(alive.pid);
      await stopProcesses(found.filter((o) => o.pid === orphan.pid), 2000);
      await new Promise((r) => setTimeout(r, 100));
      expect(orphan.exitCode !== null || orphan.signalCode !== null).toBe(true);
      expect(alive.exitCode === null && alive.signalCode === null).toBe(true);
    } finally {
      orphan.kill("SIGKILL");
      alive.kill("SIGKILL");
    }
  });
});
