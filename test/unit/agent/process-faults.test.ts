// The process mechanisms on the host kernel: the node image's real supervisor as PID 1 of a PID
// namespace made here, a stand-in node under it, and the mechanisms driven as the agent core drives
// them. What a user notices: the node process gone (and kept down) then back, stopped (state T) then
// running, stress workers using CPU / memory then gone, and never a process that is not the fault's.

import { existsSync, readdirSync } from "node:fs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mechanismsByKind } from "../../../agent/mechanisms/index.ts";
import { isAlive, pollUntil, readStat, sleep } from "../../../agent/mechanisms/procfs.ts";
import { holdFilePrefix, processKill, processPause } from "../../../agent/mechanisms/signal.ts";
import { cpuStress, memoryPressure } from "../../../agent/mechanisms/stress.ts";
import { testContext } from "../../support/mechanism-context.ts";
import { processState, type SupervisedNode, startSupervisedNode } from "../../support/supervised-node.ts";

const holdFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith(holdFilePrefix));

describe("process-kill, leader-kill and process-pause on a supervised node", () => {
  let node: SupervisedNode;
  beforeAll(async () => {
    node = await startSupervisedNode();
  }, 30_000);
  afterAll(async () => {
    await node?.stop();
  });

  it("the agent registers the signal mechanism for the three kinds", () => {
    for (const kind of ["process-kill", "leader-kill", "process-pause"] as const) {
      expect(mechanismsByKind[kind]?.map((m) => m.name)).toEqual(["signal"]);
    }
  });

  for (const signal of ["SIGKILL", "SIGTERM"] as const) {
    it(`${signal}: the node process is gone and stays down until revert, then runs again`, async () => {
      await node.ready();
      const before = node.nodePid()!;
      const ctx = await testContext({ id: `kill-${signal.toLowerCase()}`, kind: "process-kill", dataDir: node.dataDir, nodePid: node.nodePid });
      expect(processKill.check(ctx, { signal })).toEqual([]);

      const evidence = await processKill.apply(ctx, { signal });
      expect(existsSync(`/proc/${before}`) && readStat(before)?.state !== "Z").toBe(false);
      expect(evidence.measured.nodeProcessRunning).toBe(0);
      expect(evidence.lines.join("\n")).toContain(`sent ${signal} to node process ${before}`);
      expect(holdFiles(node.dataDir)).toEqual([`${holdFilePrefix}mkc-${ctx.id}`]);
      // Held: the supervisor starts no node for as long as the hold file exists.
      for (let i = 0; i < 10; i++) {
        expect(node.nodePid()).toBeNull();
        await sleep(100);
      }

      const reverted = await processKill.revert(ctx, { signal });
      expect(reverted.verified).toBe(true);
      const after = node.nodePid();
      expect(after).not.toBeNull();
      expect(after).not.toBe(before);
      expect(holdFiles(node.dataDir)).toEqual([]);
      expect(reverted.measured.restartMs).toBeLessThan(5_000);
      if (signal === "SIGTERM") expect(node.output()).toContain("stand-in node: SIGTERM, exiting 0");
    });
  }

  it("a restarted agent reverts a kill from its journal alone", async () => {
    const before = node.nodePid()!;
    const ctx = await testContext({ id: "kill-journal", kind: "leader-kill", dataDir: node.dataDir, nodePid: node.nodePid });
    const leaderKill = mechanismsByKind["leader-kill"]![0]!;
    await leaderKill.apply(ctx, { signal: "SIGKILL", scope: "global-control" });
    expect(node.nodePid()).toBeNull();
    const reverted = await leaderKill.revert(ctx.restarted(), { signal: "SIGKILL", scope: "global-control" });
    expect(reverted.verified).toBe(true);
    expect(node.nodePid()).not.toBe(before);
    expect(node.nodePid()).not.toBeNull();
  });

  it("process-pause: state T while active, running again after revert, same process", async () => {
    const pid = node.nodePid()!;
    const ctx = await testContext({ id: "pause-1", kind: "process-pause", dataDir: node.dataDir, nodePid: node.nodePid });
    const evidence = await processPause.apply(ctx, {});
    expect(processState(pid)).toBe("T");
    expect(evidence.measured.stopped).toBe(1);
    // The supervisor does not mistake a stopped node for a dead one.
    await sleep(500);
    expect(node.nodePid()).toBe(pid);
    const reverted = await processPause.revert(ctx, {});
    expect(reverted.verified).toBe(true);
    expect(processState(pid)).not.toBe("T");
    expect(node.nodePid()).toBe(pid);
  });

  it("without a visible node process the check names PID visibility and nothing is signalled", async () => {
    const pid = node.nodePid();
    const ctx = await testContext({ id: "kill-blind", kind: "process-kill", dataDir: node.dataDir, nodePid: () => null });
    const missing = processKill.check(ctx, { signal: "SIGKILL" });
    expect(missing.join("\n")).toMatch(/PID visibility: run the sidecar with pid: container:<node> \(docker\) \/ shareProcessNamespace: true \(kubernetes\)/);
    expect(processPause.check(ctx, {})).toEqual(missing);
    expect(node.nodePid()).toBe(pid);
  });

  it("SIGTERM to the supervisor (docker stop) stops the node gracefully and exits 0", async () => {
    const other = await startSupervisedNode();
    const code = await other.stop();
    expect(code).toBe(0);
    expect(other.output()).toContain("stand-in node: SIGTERM, exiting 0");
  });
});

describe("cpu-stress and memory-pressure", () => {
  it("stress-ng is installed (the bootstrap installs it)", async () => {
    const r = await execa("stress-ng", ["--version"], { reject: false });
    expect(r.exitCode, "stress-ng missing on this machine: run bash scripts/bootstrap").toBe(0);
  });

  it("cpu-stress: workers use CPU while active and are gone after revert; a stress-ng that is not ours survives", async () => {
    // Someone else's stress-ng in the same PID namespace: revert must leave it alone.
    const bystander = execa("stress-ng", ["--cpu", "1", "--cpu-load", "5", "--quiet"], { reject: false });
    await sleep(300);
    const ctx = await testContext({ id: "cpu-1", kind: "cpu-stress", dataDir: "/tmp", nodePid: () => process.pid });
    expect(cpuStress.check(ctx, { workers: 2, loadPct: 50 })).toEqual([]);
    const evidence = await cpuStress.apply(ctx, { workers: 2, loadPct: 50 });
    const pids = (ctx.journal.processes as { pid: number; startTime: number }[]).map((p) => p);
    expect(pids).toHaveLength(3); // the parent and two workers
    // 1.0 cores configured; a machine busy with other tests gives the workers less.
    expect(evidence.measured.cpuCores).toBeGreaterThan(0.1);

    const reverted = await cpuStress.revert(ctx, { workers: 2, loadPct: 50 });
    expect(reverted.verified).toBe(true);
    for (const p of pids) expect(isAlive(p.pid, p.startTime)).toBe(false);
    expect(bystander.exitCode, "the bystander stress-ng was stopped by a revert that does not own it").toBeNull();
    bystander.kill("SIGTERM");
    await bystander;
  });

  it("memory-pressure: the worker holds the memory while active and is gone after revert", async () => {
    const ctx = await testContext({ id: "mem-1", kind: "memory-pressure", dataDir: "/tmp", nodePid: () => process.pid });
    const evidence = await memoryPressure.apply(ctx, { megabytes: 64 });
    expect(evidence.measured.rssMb).toBeGreaterThanOrEqual(51);
    const pids = ctx.journal.processes as { pid: number; startTime: number }[];
    // A restarted agent finds the workers from the journal.
    const reverted = await memoryPressure.revert(ctx.restarted(), { megabytes: 64 });
    expect(reverted.verified).toBe(true);
    expect(await pollUntil(1_000, () => (pids.every((p) => !isAlive(p.pid, p.startTime)) ? true : undefined))).toBe(true);
  });

  it("without stress-ng the check says how to get it", async () => {
    const ctx = await testContext({ id: "cpu-none", kind: "cpu-stress", dataDir: "/tmp", nodePid: () => process.pid, stressNg: false });
    expect(cpuStress.check(ctx, { workers: 1, loadPct: 10 }).join("\n")).toMatch(/stress-ng is not installed.*apt-get install stress-ng/);
  });
});
