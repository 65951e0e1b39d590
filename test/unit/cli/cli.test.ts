// The CLI as a user runs it (bin/meshkit-chaos): help everywhere, exit 0 ok / 1 failure / 2 usage.
// Only commands that need no engine run here; the engine commands are exercised by test/e2e.
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { lastJsonLine, meshkitChaos } from "../../support/cli.ts";

// Each case starts a Node process with tsx: seconds apiece on a loaded 2-core machine.
vi.setConfig({ testTimeout: 240_000 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mkc-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("meshkit-chaos CLI", () => {
  it("prints help for the program, every group and every command, exit 0", async () => {
    const all = [["--help"], ["env", "--help"], ["env", "up", "--help"], ["env", "compose-export", "--help"], ["help", "env"]];
    const results = await Promise.all(all.map((args) => meshkitChaos(args)));
    all.forEach((args, i) => {
      expect(results[i]!.exitCode, args.join(" ")).toBe(0);
      expect(results[i]!.stdout, args.join(" ")).toMatch(/^Usage: meshkit-chaos/);
    });
    const env = await meshkitChaos(["env", "--help"]);
    for (const command of ["up", "down", "reset", "purge", "outputs", "unlock", "compose-export"]) expect(env.stdout).toContain(`  ${command} `);
  });

  it("exits 2 on bad usage, naming what was expected, and does nothing", async () => {
    const cases: [string[], RegExp][] = [
      [["env"], /Usage: meshkit-chaos env/],
      [["env", "launch"], /unknown command 'launch'/],
      [["env", "up", "--bogus"], /unknown option '--bogus'/],
      [["env", "up", "--nodes", "three"], /--nodes expects a whole number, got "three"/],
      [["env", "up", "--nodes", "0"], /nodes: Too small: expected number to be >=1/],
      [["env", "down", "--stack", "Bad Name"], /"Bad Name" is not a stack name: expected a lower-case letter/],
      [["env", "outputs", "--stack", "../etc"], /is not a stack name/],
      [["env", "compose-export", "--host-port-base", "80"], /hostPortBase: Too small/],
    ];
    const results = await Promise.all(cases.map(([args]) => meshkitChaos(args)));
    cases.forEach(([args, message], i) => {
      expect(results[i]!.exitCode, args.join(" ")).toBe(2);
      expect(results[i]!.stderr, args.join(" ")).toMatch(message);
    });
  });

  it("exports Compose with --json and exits 1, changing nothing, on a directory it did not make", async () => {
    const out = join(dir, "export");
    const ok = await meshkitChaos(["env", "compose-export", "--stack", "cli-test", "--nodes", "1", "--out", out, "--json"]);
    expect(ok.exitCode, ok.all).toBe(0);
    expect(lastJsonLine<{ composeFile: string }>(ok.stdout).composeFile).toBe(join(out, "docker-compose.chaos.yml"));

    const mine = join(dir, "mine");
    await rm(mine, { recursive: true, force: true });
    await mkdir(mine);
    await writeFile(join(mine, "notes.txt"), "my own file");
    const refused = await meshkitChaos(["env", "compose-export", "--out", mine]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/is not empty and is no earlier compose export/);
    expect(await readdir(mine)).toEqual(["notes.txt"]);
  });
});
