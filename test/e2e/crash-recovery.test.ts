// Crash recovery of the stack lifecycle on the real engines: `env up` SIGKILLed mid-way (its whole
// process group, as a CI job's end does) leaves no engine process behind, and the next `env up`
// recovers the lock and the half-made resources by itself. Then the same with the watchdog killed
// too: the next command finds the orphaned plugins and stops them.
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackLocks, fileBackendDir } from "../../lifecycle/locks.ts";
import { cliPath, meshkitChaos, repoRoot } from "../support/cli.ts";
import { until } from "../support/wait.ts";
import { orphanPlugins, sessionProcesses, waitForEngine, watchdogOf } from "../support/engine-processes.ts";
import { requireEngines } from "./engines.ts";

const stack = "crash";
const stackFile = join(repoRoot, "stacks", `Pulumi.${stack}.yaml`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `env up` as the leader of its own process group, killed with SIGKILL `delayMs` after its engine started. */
async function killedUp(delayMs: number, alsoWatchdog: boolean): Promise<number> {
  const up: ResultPromise = execa(cliPath, ["env", "up", "--stack", stack], { cwd: repoRoot, detached: true, reject: false, all: true });
  const pid = up.pid!;
  await waitForEngine(pid, 300_000);
  await sleep(delayMs);
  if (alsoWatchdog) {
    const watchdog = await watchdogOf(pid);
    if (!watchdog) throw new Error(`no watchdog found for CLI pid ${pid}`);
    process.kill(watchdog, "SIGKILL");
  }
  process.kill(-pid, "SIGKILL");
  await up;
  return pid;
}

const locks = async () => stackLocks(fileBackendDir()!, "meshkit-chaos", stack);

beforeAll(async () => {
  await requireEngines();
  // Its own ports and one node: it may run beside a developer's local stack.
  await writeFile(stackFile, "config:\n  meshkit-chaos:nodes: 1\n  meshkit-chaos:hostPortBase: 33000\n");
  const purge = await meshkitChaos(["env", "purge", "--stack", stack]);
  if (purge.exitCode !== 0) throw new Error(`env purge failed:\n${purge.all}`);
});

afterAll(async () => {
  await meshkitChaos(["env", "purge", "--stack", stack]);
  await rm(stackFile, { force: true });
});

describe("env up killed mid-way", () => {
  it("leaves no engine process once the command is gone, and the next env up recovers the stack", async () => {
    const pid = await killedUp(8_000, false);
    // The update died holding the lock: this is what used to need `pulumi cancel`.
    expect((await locks()).length).toBeGreaterThan(0);
    // The watchdog stops the language host and the provider plugins (SIGTERM, SIGKILL after 3 s).
    await until("the killed session's engine processes to stop", 15_000, async () =>
      (await sessionProcesses(pid)).length === 0 ? true : undefined,
    );
    expect(await orphanPlugins(repoRoot)).toEqual([]);

    const again = await meshkitChaos(["env", "up", "--stack", stack, "--json"]);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stderr).toMatch(/removed the lock of an update that died/);
    expect(await locks()).toEqual([]);
    const up = JSON.parse(again.stdout.trim().split("\n").at(-1)!) as { nodes: { controlUrl: string }[] };
    expect((await fetch(`${up.nodes[0]!.controlUrl}/healthz`)).status).toBe(200);
  });

  it("with its watchdog killed too, the next command stops the orphaned plugins before it starts", async () => {
    await meshkitChaos(["env", "down", "--stack", stack]);
    await killedUp(8_000, true);
    await sleep(1000);
    const orphans = await orphanPlugins(repoRoot);
    // Exactly the situation measured before this fix: a language host and provider plugins left running.
    expect(orphans.length, "orphans right after the kill").toBeGreaterThan(0);

    const again = await meshkitChaos(["env", "up", "--stack", stack]);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stderr).toMatch(/recovery: stopping \d+ engine process/);
    expect(await orphanPlugins(repoRoot)).toEqual([]);
    for (const o of orphans) expect(await execa("kill", ["-0", String(o.pid)], { reject: false }).then((r) => r.exitCode)).not.toBe(0);
  });

  it("SIGINT stops the engine after its current step: exit 130, stack unlocked, no engine process left", async () => {
    await meshkitChaos(["env", "down", "--stack", stack]);
    const up = execa(cliPath, ["env", "up", "--stack", stack], { cwd: repoRoot, reject: false, all: true });
    const pid = up.pid!;
    await waitForEngine(pid, 300_000);
    await sleep(5_000);
    process.kill(pid, "SIGINT");
    const result = await up;
    expect(result.exitCode, String(result.all)).toBe(130);
    expect(result.all).toMatch(/SIGINT: stopping after the engine's current step/);
    expect(await locks()).toEqual([]);
    await until("the session's engine processes to end", 15_000, async () => ((await sessionProcesses(pid)).length === 0 ? true : undefined));
  });
});

