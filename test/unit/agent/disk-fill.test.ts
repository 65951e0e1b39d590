// disk-fill on a real filesystem: a 32 MB tmpfs mounted here stands in for the node's data volume
// (on Docker it is a size-bounded tmpfs volume too). `df` shows the fill, then not; the root
// filesystem is refused before anything is written.

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diskFill } from "../../../agent/mechanisms/disk-fill.ts";
import { testContext } from "../../support/mechanism-context.ts";

/** `df`'s Use% of `dir`, as a user would read it. */
async function dfPercent(dir: string): Promise<number> {
  const r = await execa("df", ["--output=pcent", dir]);
  return Number(r.stdout.split("\n")[1]!.trim().replace("%", ""));
}

describe("disk-fill", () => {
  let volume: string;
  beforeAll(async () => {
    volume = mkdtempSync(join(tmpdir(), "meshkit-data-volume-"));
    const r = await execa("mount", ["-t", "tmpfs", "-o", "size=32m", "tmpfs", volume], { reject: false });
    if (r.exitCode !== 0) throw new Error(`this test mounts a tmpfs and needs root (CAP_SYS_ADMIN): ${r.stderr}`);
  });
  afterAll(async () => {
    if (volume) {
      await execa("umount", [volume], { reject: false });
      rmSync(volume, { recursive: true, force: true });
    }
  });

  it("fills the data volume to the requested share, then empties it again", async () => {
    const ctx = await testContext({ id: "fill-1", kind: "disk-fill", dataDir: volume, nodePid: () => null });
    expect(diskFill.check(ctx, { fillPct: 60 })).toEqual([]);
    expect(await dfPercent(volume)).toBeLessThanOrEqual(1);

    const evidence = await diskFill.apply(ctx, { fillPct: 60 });
    const shown = await dfPercent(volume);
    expect(shown).toBeGreaterThanOrEqual(59);
    expect(shown).toBeLessThanOrEqual(62);
    expect(evidence.measured.fillPct).toBeCloseTo(60, 0);
    expect(readdirSync(volume)).toEqual([`.meshkit-fill-mkc-${ctx.id}`]);

    // As a restarted agent would, from the journal alone.
    const reverted = await diskFill.revert(ctx.restarted(), { fillPct: 60 });
    expect(reverted.verified).toBe(true);
    expect(await dfPercent(volume)).toBeLessThanOrEqual(1);
    expect(readdirSync(volume)).toEqual([]);
  });

  it("refuses a volume already above the requested share, writing nothing", async () => {
    const first = await testContext({ id: "fill-a", kind: "disk-fill", dataDir: volume, nodePid: () => null });
    await diskFill.apply(first, { fillPct: 50 });
    const second = await testContext({ id: "fill-b", kind: "disk-fill", dataDir: volume, nodePid: () => null });
    await expect(diskFill.apply(second, { fillPct: 30 })).rejects.toThrow(/already .* at or above the requested 30 %; nothing was filled/);
    expect(readdirSync(volume)).toEqual([".meshkit-fill-mkc-fill-a"]);
    expect((await diskFill.revert(first, { fillPct: 50 })).verified).toBe(true);
  });

  it("never fills the root filesystem: the check names the problem and the fix", async () => {
    const onRoot = mkdtempSync(join(tmpdir(), "meshkit-on-root-"));
    try {
      const ctx = await testContext({ id: "fill-root", kind: "disk-fill", dataDir: onRoot, nodePid: () => null });
      const missing = diskFill.check(ctx, { fillPct: 10 });
      const sameDevice = (await execa("stat", ["-c", "%d", onRoot])).stdout === (await execa("stat", ["-c", "%d", "/"])).stdout;
      expect(sameDevice, "this test needs a temporary directory on the root filesystem").toBe(true);
      expect(missing.join("\n")).toMatch(/is on the root filesystem \(same device as \/\); disk-fill never fills a root filesystem/);
      expect(readdirSync(onRoot)).toEqual([]);
    } finally {
      rmSync(onRoot, { recursive: true, force: true });
    }
  });
});
