// The fault journal: one file per fault under `${stateDir}/journal/`, written before a mechanism
// touches anything and removed only after a verified revert. On start the agent reverts whatever is
// here, so a crashed agent (SIGKILL, OOM, host reboot with a persistent volume) leaves no fault behind.
//
// Each write is tmp file + fsync + rename + fsync of the directory: after a crash the file is either
// the old or the new version, never a torn one.

import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { applyRequest } from "./protocol.ts";

export const journalEntry = z.object({
  request: applyRequest,
  mechanism: z.string(),
  /** Set once the mechanism verified the fault active; null while applying (or if the agent died then). */
  appliedAt: z.iso.datetime().nullable(),
  leaseExpiresAt: z.iso.datetime(),
  /** Normalized kernel state taken just before apply (agent/kernel-state.ts). */
  kernelBefore: z.string(),
  /** What the mechanism stored through `ctx.record`. */
  recorded: z.record(z.string(), z.unknown()),
});
export type JournalEntry = z.infer<typeof journalEntry>;

export interface UnreadableEntry {
  readonly file: string;
  readonly detail: string;
}

export class Journal {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "journal");
  }

  #path(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /**
   * `durable: false` skips the fsyncs (≈ 20 ms on this machine's disk): for updates whose loss
   * changes nothing a revert needs. A process crash keeps them either way; only a host crash can lose them.
   */
  async write(entry: JournalEntry, durable = true): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = this.#path(entry.request.id);
    const tmp = `${path}.tmp`;
    const file = await open(tmp, "w", 0o600);
    try {
      await file.writeFile(`${JSON.stringify(entry, null, 1)}\n`);
      if (durable) await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
    if (durable) await this.#syncDir();
  }

  async remove(id: string): Promise<void> {
    await rm(this.#path(id), { force: true });
    await this.#syncDir();
  }

  /** Every entry on disk; a file that does not parse is reported, not thrown (and not deleted). */
  async readAll(): Promise<{ entries: JournalEntry[]; unreadable: UnreadableEntry[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], unreadable: [] };
      throw err;
    }
    const entries: JournalEntry[] = [];
    const unreadable: UnreadableEntry[] = [];
    for (const name of names.sort()) {
      const file = join(this.dir, name);
      if (name.endsWith(".tmp")) {
        // A write that never reached its rename: the previous version (if any) is the truth.
        await rm(file, { force: true });
        continue;
      }
      if (!name.endsWith(".json")) continue;
      try {
        entries.push(journalEntry.parse(JSON.parse(await readFile(file, "utf8"))));
      } catch (err) {
        unreadable.push({ file, detail: err instanceof Error ? err.message.split("\n")[0]! : String(err) });
      }
    }
    return { entries, unreadable };
  }

  async #syncDir(): Promise<void> {
    const dir = await open(this.dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
