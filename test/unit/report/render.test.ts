// `meshkit-chaos report render RUN_DIR` as a user runs it: every report rewritten from the run
// directory alone (exit 0), and a clear usage error (exit 2, nothing written) for anything else.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { lastJsonLine, meshkitChaos } from "../../support/cli.ts";
import { copyRunDir } from "../../support/report-fixtures.ts";

// Each case starts a Node process with tsx: seconds apiece on a loaded 2-core machine.
vi.setConfig({ testTimeout: 240_000 });

describe("meshkit-chaos report render", () => {
  it("rewrites the four reports of a run directory and prints where they are (exit 0)", async () => {
    const dir = copyRunDir("failed");
    const r = await meshkitChaos(["report", "render", dir, "--json"]);
    expect(r.exitCode, r.all).toBe(0);
    const out = lastJsonLine<{ verdict: string; reports: Record<string, string> }>(r.stdout);
    expect(out.verdict).toBe("failed");
    expect(Object.keys(out.reports).sort()).toEqual(["html", "json", "junit", "markdown"]);
    for (const file of Object.values(out.reports)) expect(existsSync(file), file).toBe(true);
    expect(JSON.parse(readFileSync(out.reports.json!, "utf8")).verdict).toBe("failed");
    expect(readFileSync(out.reports.markdown!, "utf8").split("\n")[0]).toBe("## ❌ latency-then-errors 1.2.0: **FAILED**");
  });

  it("refuses a directory that is not a run directory, or a damaged timeline, with exit 2 and writes nothing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "mkc-not-a-run-"));
    const notRun = await meshkitChaos(["report", "render", empty]);
    expect(notRun.exitCode).toBe(2);
    expect(notRun.stderr).toContain(`${empty}: not a run directory (no timeline.jsonl)`);
    expect(existsSync(join(empty, "reports"))).toBe(false);

    const missing = await meshkitChaos(["report", "render", join(empty, "nope")]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("no such directory");

    const damaged = copyRunDir("passed");
    const timeline = join(damaged, "timeline.jsonl");
    const lines = readFileSync(timeline, "utf8").split("\n");
    lines[4] = lines[4]!.replace('"decision":"pass"', '"decision":"maybe"');
    writeFileSync(timeline, lines.join("\n"));
    const bad = await meshkitChaos(["report", "render", damaged]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(`${timeline}:5: not a timeline event`);
    expect(existsSync(join(damaged, "reports"))).toBe(false);
    rmSync(empty, { recursive: true, force: true });
  });
});
