// The Compose export never deletes what it did not write: it replaces a previous export (recognised
// by its marker) file by file and refuses any other non-empty directory.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExportDirectoryError, exportCompose, exportMarkerName } from "../../../components/compose/export.ts";
import { composeFileName } from "../../../components/compose/render.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mkc-export-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exportTo = (out: string, nodes = 2) => exportCompose({ stack: "unit", nodes, grafana: false, out });

describe("compose export directory", () => {
  it("writes into a new directory, then replaces its own previous export", async () => {
    const out = join(dir, "new", "nested");
    await exportTo(out, 3);
    expect(await readdir(out)).toEqual(expect.arrayContaining([composeFileName, exportMarkerName, "files", "secrets"]));
    expect(await readdir(join(out, "files"))).toContain("node-3");
    await exportTo(out, 1);
    // The node the smaller export no longer has is gone: nothing stale is left behind.
    expect(await readdir(join(out, "files"))).not.toContain("node-3");
    expect(await readFile(join(out, composeFileName), "utf8")).not.toContain("node-2");
  });

  it("keeps a file the user added to a previous export", async () => {
    await exportTo(dir);
    await writeFile(join(dir, "files", "my-notes.md"), "keep me");
    await exportTo(dir);
    expect(await readFile(join(dir, "files", "my-notes.md"), "utf8")).toBe("keep me");
  });

  it("accepts an empty directory and refuses a non-empty one it did not make, touching nothing", async () => {
    await exportTo(dir);
    const foreign = join(dir, "foreign");
    await mkdir(join(foreign, "sub"), { recursive: true });
    await writeFile(join(foreign, "sub", "data"), "precious");
    await expect(exportTo(foreign)).rejects.toThrow(ExportDirectoryError);
    await expect(exportTo(foreign)).rejects.toThrow(/not empty and is no earlier compose export/);
    expect(await readdir(foreign)).toEqual(["sub"]);
    expect(await readFile(join(foreign, "sub", "data"), "utf8")).toBe("precious");
  });

  it("refuses a marker that points outside the directory", async () => {
    const out = join(dir, "out");
    await mkdir(out);
    const victim = join(dir, "victim");
    await writeFile(victim, "not the export's");
    await writeFile(join(out, exportMarkerName), JSON.stringify({ tool: "meshkit-chaos compose-export", stack: "x", files: ["../victim"] }));
    await expect(exportTo(out)).rejects.toThrow(/outside/);
    expect(await readFile(victim, "utf8")).toBe("not the export's");
  });

  it("refuses a bad stack name before writing anything", async () => {
    const out = join(dir, "bad");
    await expect(exportCompose({ stack: "../x", nodes: 1, grafana: false, out })).rejects.toThrow(/not a stack name/);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});
