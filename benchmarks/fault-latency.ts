// Apply/revert latency per fault kind, three ways side by side on a running environment:
//   engine    a run-stack update through the Pulumi engine (step start → verified active), and the
//             update that removes it (step start → verified reverted)
//   agent     the agent API alone (request → verified answer)
//   one-shot  the Pumba-style baseline: a helper container joins the target's network namespace and
//             runs the same iptables/tc command (`docker run --rm --net container:X --cap-add NET_ADMIN`)
// plus the engine's floor: an update of an empty run stack.
// Usage: npm run bench:faults -- [--stack local] [--trials 20] [--kinds network-partition,packet-loss] [--json]
import { parseArgs } from "node:util";
import { execa } from "execa";
import { AgentClient } from "../agent/client.ts";
import { parseFaultRequest, planFault, type FaultPlan } from "../faults/catalog.ts";
import { readEnvironment } from "../lifecycle/environment.ts";
import { runStackFault } from "../runner/fault-run.ts";
import { RunStack } from "../runner/run-stack.ts";
import { readTopology } from "../runner/topology.ts";

const { values } = parseArgs({
  options: {
    stack: { type: "string", default: "local" },
    trials: { type: "string", default: "20" },
    kinds: { type: "string", default: "network-partition,packet-loss,transport-downgrade,bandwidth,network-latency,process-pause,http-fault,clock-skew,disk-fill" },
    json: { type: "boolean", default: false },
  },
});
const trials = Number(values.trials);
const stack = values.stack;
const env = await readEnvironment(stack);
const target = "node-2";
const container = `mkc-${stack}-${target}`;
const client = new AgentClient(env.nodes.find((n) => n.name === target)!.agentUrl, env.agentToken);

const settings: Record<string, Record<string, string>> = {
  "network-partition": { peers: "node-3" },
  "packet-loss": { loss: "10" },
  bandwidth: { rate: "1mbit" },
  "network-latency": { delay: "50ms", jitter: "0ms" },
  "http-fault": { mode: "abort", share: "0.5" },
  "clock-skew": { offset: "30s" },
  "disk-fill": { fill: "50" },
  "cpu-stress": { workers: "1", load: "50" },
  "memory-pressure": { megabytes: "32" },
};

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const fmt = (xs: number[]) => (xs.length === 0 ? "—" : `${Math.round(pct(xs, 50))} / ${Math.round(pct(xs, 95))}`);
const progress = (s: string) => process.stderr.write(`${s}\n`);

async function plan(kind: string, id: string): Promise<FaultPlan> {
  const request = parseFaultRequest({ kind, targets: target, set: settings[kind] ?? {}, duration: "10m" });
  return planFault(request, await readTopology(env.nodes), "bench", { id });
}

/** The same kernel change as the agent's, made by a one-shot helper container (what Pumba does). */
async function oneShot(kind: string): Promise<{ apply: string[]; revert: string[] } | null> {
  const peer = (await execa("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", `mkc-${stack}-node-3`])).stdout.trim();
  switch (kind) {
    case "network-partition":
      return { apply: ["iptables", "-I", "OUTPUT", "-d", peer, "-j", "DROP"], revert: ["iptables", "-D", "OUTPUT", "-d", peer, "-j", "DROP"] };
    case "packet-loss":
      return {
        apply: ["iptables", "-I", "OUTPUT", "-m", "statistic", "--mode", "random", "--probability", "0.1", "-j", "DROP"],
        revert: ["iptables", "-D", "OUTPUT", "-m", "statistic", "--mode", "random", "--probability", "0.1", "-j", "DROP"],
      };
    case "transport-downgrade":
      return { apply: ["iptables", "-I", "OUTPUT", "-p", "udp", "--dport", "8443", "-j", "DROP"], revert: ["iptables", "-D", "OUTPUT", "-p", "udp", "--dport", "8443", "-j", "DROP"] };
    case "bandwidth":
      return { apply: ["tc", "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", "1mbit", "burst", "32kb", "latency", "400ms"], revert: ["tc", "qdisc", "del", "dev", "eth0", "root"] };
    default:
      return null;
  }
}

const agentImage = (await execa("docker", ["inspect", "-f", "{{.Config.Image}}", `mkc-${stack}-${target}-agent`])).stdout.trim();
const timed = async (work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  return performance.now() - t;
};

interface Row {
  kind: string;
  engineApply: number[];
  engineRevert: number[];
  agentApply: number[];
  agentRevert: number[];
  agentOwnApply: number[];
  agentOwnRevert: number[];
  oneShotApply: number[];
  oneShotRevert: number[];
}
const rows: Row[] = [];

// The engine's floor: an update that changes nothing.
const floorStack = await RunStack.open(stack, "bench-floor");
const floor: number[] = [];
for (let i = 0; i < Math.min(trials, 10); i++) floor.push(await timed(() => floorStack.set([])));
await floorStack.destroyAndRemove();
progress(`empty run-stack update: p50 ${Math.round(pct(floor, 50))} ms`);

for (const kind of values.kinds.split(",")) {
  const row: Row = { kind, engineApply: [], engineRevert: [], agentApply: [], agentRevert: [], agentOwnApply: [], agentOwnRevert: [], oneShotApply: [], oneShotRevert: [] };
  const run = await RunStack.open(stack, `bench-${kind}`);
  for (let i = 0; i < trials; i++) {
    const p = await plan(kind, `bench-${i}-${Date.now().toString(36)}`);
    const fault = { ...runStackFault(p), ttlSeconds: 120 };
    row.engineApply.push(await timed(() => run.set([fault])));
    row.engineRevert.push(await timed(() => run.set([])));

    const body = { id: `${p.id}-a`, kind: p.kind, params: { ...p.agentRequests[0]!.params }, targets: [...p.targets], ttlSeconds: 120 };
    let applied;
    row.agentApply.push(await timed(async () => (applied = await client.apply(body))));
    row.agentOwnApply.push(applied!.applyMs);
    let reverted;
    row.agentRevert.push(await timed(async () => (reverted = await client.revert(body.id))));
    row.agentOwnRevert.push(reverted!.revertMs);

    const shot = await oneShot(kind);
    if (shot) {
      const docker = (cmd: string[]) => execa("docker", ["run", "--rm", "--net", `container:${container}`, "--cap-add", "NET_ADMIN", "--entrypoint", cmd[0]!, agentImage, ...cmd.slice(1)]);
      row.oneShotApply.push(await timed(() => docker(shot.apply)));
      row.oneShotRevert.push(await timed(() => docker(shot.revert)));
    }
  }
  await run.destroyAndRemove();
  rows.push(row);
  progress(`${kind}: engine ${fmt(row.engineApply)} / ${fmt(row.engineRevert)} ms, agent ${fmt(row.agentApply)} / ${fmt(row.agentRevert)} ms, one-shot ${fmt(row.oneShotApply)} / ${fmt(row.oneShotRevert)} ms`);
}

const load = (await execa("cat", ["/proc/loadavg"])).stdout.split(" ").slice(0, 3).join(" ");
console.log(`\nfault apply / revert latency, p50 / p95 in ms, ${trials} trials per kind, target ${target} (load average ${load})`);
console.log(`empty run-stack update (engine floor): p50 ${Math.round(pct(floor, 50))}, p95 ${Math.round(pct(floor, 95))}\n`);
console.log("| kind | engine apply | engine revert | agent apply | agent revert | agent's own apply / revert | one-shot container apply | one-shot revert |");
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.kind} | ${fmt(r.engineApply)} | ${fmt(r.engineRevert)} | ${fmt(r.agentApply)} | ${fmt(r.agentRevert)} | ${Math.round(pct(r.agentOwnApply, 50))} / ${Math.round(pct(r.agentOwnRevert, 50))} | ${fmt(r.oneShotApply)} | ${fmt(r.oneShotRevert)} |`);
}
if (values.json) console.log(JSON.stringify({ trials, load, floor, rows }));
