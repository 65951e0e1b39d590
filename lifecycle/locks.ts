// Stack locks of Pulumi's file backend. An update writes
// <backend>/.pulumi/locks/<org>/<project>/<stack>/<uuid>.json = {pid, username, hostname, timestamp}
// and deletes it at the end; a killed update leaves it behind and every later command fails with
// "the stack is currently locked". A lock whose process is gone on this machine is stale: we remove it.
import { readdir, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { processInfo } from "./processes.ts";

const lockContent = z.object({
  pid: z.number().int(),
  username: z.string(),
  hostname: z.string(),
  timestamp: z.string(),
});

export interface StackLock extends z.infer<typeof lockContent> {
  readonly path: string;
}

/** The directory of a file backend, or undefined for any other backend (it manages its own locks). */
export function fileBackendDir(url = process.env.PULUMI_BACKEND_URL): string | undefined {
  if (!url?.startsWith("file://")) return undefined;
  return fileURLToPath(url.replace(/^file:\/\/(?!\/)/, "file:///"));
}

/** Every lock file of the stack (project-scoped layout, and the legacy unscoped one). */
export async function stackLocks(backendDir: string, project: string, stack: string): Promise<StackLock[]> {
  const root = join(backendDir, ".pulumi", "locks");
  let files: string[];
  try {
    files = (await readdir(root, { recursive: true })).map(String);
  } catch {
    return [];
  }
  const wanted = files.filter((f) => {
    const parts = f.split(sep);
    const file = parts.at(-1)!;
    if (!file.endsWith(".json")) return false;
    const dirs = parts.slice(0, -1);
    return dirs.at(-1) === stack && (dirs.length === 1 || dirs.at(-2) === project);
  });
  const locks: StackLock[] = [];
  for (const f of wanted) {
    const path = join(root, f);
    try {
      locks.push({ path, ...lockContent.parse(JSON.parse(await readFile(path, "utf8"))) });
    } catch {
      // Being written or removed right now; the engine will report it if it stays.
    }
  }
  return locks;
}

/** Why a lock is stale, or undefined when its process may still be running. */
export async function staleness(lock: StackLock): Promise<string | undefined> {
  if (lock.hostname !== hostname()) return undefined; // Another machine: its processes are not ours to judge.
  const info = await processInfo(lock.pid);
  if (!info) return `process ${lock.pid} is gone`;
  // A reused pid is not the update that took the lock.
  if (!/^pulumi/.test(info.name)) return `pid ${lock.pid} is now ${info.name}, not a pulumi process`;
  return undefined;
}

/** The lock and the attributes file the backend's blob store writes beside it. */
async function removeLock(lock: StackLock): Promise<void> {
  await rm(lock.path, { force: true });
  await rm(`${lock.path}.attrs`, { force: true });
}

export class StackLockedError extends Error {
  override name = "StackLockedError";
}

/**
 * Removes the stack's stale locks and reports them; a lock held by a live process (or another
 * machine) is an error that says who holds it and the one command that recovers.
 */
export async function recoverStaleLocks(
  project: string,
  stack: string,
  log: (line: string) => void,
  backendDir = fileBackendDir(),
): Promise<StackLock[]> {
  if (!backendDir) return [];
  const removed: StackLock[] = [];
  const live: StackLock[] = [];
  for (const lock of await stackLocks(backendDir, project, stack)) {
    const why = await staleness(lock);
    if (why === undefined) {
      live.push(lock);
      continue;
    }
    await removeLock(lock);
    removed.push(lock);
    log(`recovered stack ${stack}: removed the lock of an update that died (${why}; taken ${lock.timestamp})`);
  }
  if (live.length > 0) {
    const holders = live.map((l) => `  - pid ${l.pid} on ${l.username}@${l.hostname} since ${l.timestamp} (${l.path})`);
    throw new StackLockedError(
      `stack ${stack} is being changed by another command:\n${holders.join("\n")}\n` +
        `Wait for it to finish. If it is stuck or its machine is gone, stop it and run ` +
        `\`npx meshkit-chaos env unlock --stack ${stack}\`.`,
    );
  }
  return removed;
}

/** Removes every lock of the stack, live or not: the user said nobody else is changing it. */
export async function forceUnlock(project: string, stack: string, backendDir = fileBackendDir()): Promise<StackLock[]> {
  if (!backendDir) return [];
  const locks = await stackLocks(backendDir, project, stack);
  for (const lock of locks) await removeLock(lock);
  return locks;
}
