// An output directory that a command replaces on every run: the command marks what it wrote, only
// ever removes the files an earlier run listed in its marker, and refuses a non-empty directory
// that holds no marker (a user's directory, or a typo in --out).
import { readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { z } from "zod";

export class OutputDirectoryError extends Error {
  override name = "OutputDirectoryError";
}

const marker = z.object({
  tool: z.string(),
  stack: z.string(),
  /** Paths relative to the directory, every file the run wrote (the marker excepted). */
  files: z.array(z.string()),
});
export type DirectoryMarker = z.infer<typeof marker>;

const ancestors = (file: string): string[] => {
  const out: string[] = [];
  for (let d = dirname(file); d !== "." && d !== "/"; d = dirname(d)) out.push(d);
  return out;
};

/**
 * Removes what an earlier run of `tool` wrote into `dir` (listed in the marker `markerName`);
 * refuses a directory that holds anything else and removes nothing then.
 */
export async function clearMarkedDirectory(dir: string, markerName: string, tool: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") throw new OutputDirectoryError(`--out ${dir} is a file, not a directory`);
    throw error;
  }
  if (entries.length === 0) return;
  let previous: DirectoryMarker;
  try {
    previous = marker.parse(JSON.parse(await readFile(join(dir, markerName), "utf8")));
    if (previous.tool !== tool) throw new Error(`written by ${previous.tool}`);
  } catch {
    throw new OutputDirectoryError(
      `--out ${dir} is not empty and is no earlier output of ${tool} (it has no valid ${markerName}): ` +
        "nothing was written or removed. Name an empty or new directory, or a previous output's.",
    );
  }
  const root = resolve(dir);
  for (const file of previous.files) {
    const path = resolve(root, file);
    // A marker is a file on disk: never follow it out of the directory.
    if (relative(root, path).startsWith("..")) throw new OutputDirectoryError(`${join(dir, markerName)} lists ${file}, outside ${dir}`);
    await rm(path, { force: true });
  }
  // The folders the run made, deepest first; one that still holds a user's file stays.
  const folders = [...new Set(previous.files.flatMap((f) => ancestors(f)))].sort((a, b) => b.length - a.length);
  for (const folder of folders) await rmdir(join(root, folder)).catch(() => undefined);
  await rm(join(root, markerName), { force: true });
}

/** Writes the marker first, so a run that fails half-way can still be cleared by the next one. */
export async function writeMarker(dir: string, markerName: string, content: DirectoryMarker): Promise<void> {
  await writeFile(join(dir, markerName), `${JSON.stringify(content, null, 2)}\n`);
}
