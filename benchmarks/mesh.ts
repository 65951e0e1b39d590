// Benchmark of the reference node on loopback: RSS and idle CPU per node for meshes of 10 and 50
// nodes, and leader failover times (SIGKILL, SIGTERM) over 10 trials. Prints numbers; asserts nothing.
//   npm run bench:mesh -- [--sizes 10,50] [--trials 10] [--window 20] [--json]
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { paths } from "../contract/meshkit.ts";
import { type LocalMesh, type LocalProcess, nodeFlags, startLocalMesh } from "../node/local/mesh.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "10,50" },
    trials: { type: "string", default: "10" },
    window: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
    flags: { type: "string" },
  },
});
const sizes = args.sizes.split(",").map(Number);
const trials = Number(args.trials);
const windowS = Number(args.window);
const flags = args.flags === undefined ? nodeFlags : args.flags.split(" ").filter(Boolean);
const log = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ on Linux

interface Mem {
  rss: number;
  pss: number;
  uss: number;
}

function memory(pid: number): Mem {
  const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) / 1024;
  const r = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  return { rss: kb(r, "Rss"), pss: kb(r, "Pss"), uss: kb(r, "Private_Clean") + kb(r, "Private_Dirty") };
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { min: s[0]!, median: med, max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
};
const r1 = (x: number) => Math.round(x * 10) / 10;

async function json<T>(url: string): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return (await r.json()) as T;
}

/** Waits until every live node sees every live node Alive (members that died may linger as Left). */
async function waitFormed(mesh: LocalMesh, deadlineMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const live = mesh.nodes.filter((n) => !n.exited());
    const views = await Promise.all(
      live.map((n) =>
        json<{ peers: { nodeId: string; status: string }[] }>(`${n.controlUrl}${paths.peers}`).catch(() => ({ peers: [] })),
      ),
    );
    const ok = views.every((v) => live.every((n) => v.peers.some((p) => p.nodeId === n.nodeId && p.status === "Alive")));
    if (ok) return Date.now() - t0;
    if (Date.now() - t0 > deadlineMs) throw new Error(`mesh of ${live.length} did not converge in ${deadlineMs} ms`);
    await sleep(500);
  }
}

async function footprint(n: number) {
  log(`\n== ${n} nodes: starting`);
  const mesh = await startLocalMesh({ nodes: n, flags });
  try {
    let formedMs: number | null = null;
    try {
      formedMs = await waitFormed(mesh, 300_000);
      log(`   formed (all Alive in every view) ${r1(formedMs / 1000)} s after the last start; settling 15 s`);
    } catch (e) {
      log(`   NOT formed: ${(e as Error).message} (load average ${loadavg().map(r1).join(" ")}); measuring anyway`);
    }
    await sleep(15_000);
    const procs: LocalProcess[] = mesh.nodes;
    const t0 = procs.map((p) => cpuTicks(p.pid));
    const r0 = cpuTicks(mesh.registry.pid);
    const w0 = performance.now();
    await sleep(windowS * 1000);
    const wall = (performance.now() - w0) / 1000;
    const cpu = procs.map((p, i) => ((cpuTicks(p.pid) - t0[i]!) / TICK / wall) * 100);
    const mem = procs.map((p) => memory(p.pid));
    const result = {
      nodes: n,
      formedSeconds: formedMs === null ? null : r1(formedMs / 1000),
      loadAverage: loadavg().map(r1),
      rssMiB: stats(mem.map((m) => m.rss)),
      pssMiB: stats(mem.map((m) => m.pss)),
      ussMiB: stats(mem.map((m) => m.uss)),
      cpuPercentOfOneCore: stats(cpu),
      registry: { ...memory(mesh.registry.pid), cpuPercent: ((cpuTicks(mesh.registry.pid) - r0) / TICK / wall) * 100 },
    };
    const line = (k: string, s: ReturnType<typeof stats>) => `   ${k.padEnd(22)} min ${r1(s.min)}  median ${r1(s.median)}  mean ${r1(s.mean)}  max ${r1(s.max)}`;
    log(line("RSS MiB per node", result.rssMiB));
    log(line("PSS MiB per node", result.pssMiB));
    log(line("USS MiB per node", result.ussMiB));
    log(line("CPU % of a core", result.cpuPercentOfOneCore));
    log(`   load average during the window: ${result.loadAverage.join(" ")}`);
    log(`   registry               RSS ${r1(result.registry.rss)} MiB  PSS ${r1(result.registry.pss)}  CPU ${r1(result.registry.cpuPercent)} %`);
    return result;
  } finally {
    await mesh.stop();
  }
}

async function registryLeader(mesh: LocalMesh): Promise<{ leaderId: string; term: number } | undefined> {
  const b = await json<{ tokens: { leaderId: string; term: number }[] }>(`${mesh.registry.controlUrl}${paths.leaders}`).catch(() => ({ tokens: [] }));
  return b.tokens[0];
}

async function failover(signal: "SIGKILL" | "SIGTERM") {
  log(`\n== failover by ${signal}: ${trials} trials, mesh of 5`);
  const mesh = await startLocalMesh({ nodes: 5, flags });
  const times: number[] = [];
  let spare = 100;
  try {
    await waitFormed(mesh, 60_000);
    for (let i = 0; i < trials; i++) {
      let before;
      while (!(before = await registryLeader(mesh))) await sleep(100);
      const leader = mesh.nodes.find((n) => n.nodeId === before.leaderId)!;
      // Let the mesh see every member Alive again before each trial.
      await waitFormed(mesh, 60_000);
      // Kill at a random point of the lease cycle, not right after an election.
      await sleep(Math.random() * 5000);
      const t0 = performance.now();
      leader.child.kill(signal);
      let after;
      for (;;) {
        after = await registryLeader(mesh);
        if (after && after.leaderId !== before.leaderId) break;
        await sleep(20);
      }
      const ms = performance.now() - t0;
      times.push(ms);
      log(`   trial ${i + 1}: ${before.leaderId} (term ${before.term}) -> ${after.leaderId} (term ${after.term}) in ${Math.round(ms)} ms`);
      await leader.exit;
      mesh.nodes.splice(mesh.nodes.indexOf(leader), 1);
      await mesh.addNode(`node-${spare++}`);
    }
  } finally {
    await mesh.stop();
  }
  const s = stats(times);
  log(`   ${signal}: min ${Math.round(s.min)} ms  median ${Math.round(s.median)} ms  max ${Math.round(s.max)} ms`);
  return { signal, trials, ms: { min: Math.round(s.min), median: Math.round(s.median), max: Math.round(s.max) } };
}

log(`node flags: ${flags.join(" ")}; default workload rate; CPU window ${windowS} s`);
const report = {
  footprint: [] as Awaited<ReturnType<typeof footprint>>[],
  failover: [] as Awaited<ReturnType<typeof failover>>[],
};
for (const n of sizes) report.footprint.push(await footprint(n));
if (trials > 0) for (const s of ["SIGKILL", "SIGTERM"] as const) report.failover.push(await failover(s));
if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
