// Torture run: faults applied through `meshkit-chaos fault apply` across kinds × ways of dying, then a
// count of what was left behind. A trial's fault is left behind when, 15 s after its lease could last
// have run out, an agent still holds it or the target's kernel state (rules, qdiscs, processes, files)
// differs from the state before the trial. Also printed: the time from the kill to the fault being gone.
//
//   normal       the CLI holds the fault for its duration and rolls it back (run-stack destroy)
//   cli-kill     SIGKILL of the CLI once the fault is active: the agent's lease reverts it
//   engine-kill  SIGKILL of the Pulumi engine while it applies: the CLI fails; the lease reverts
//   agent-kill   SIGKILL of the agent once the fault is active: the restarted agent reverts from its journal
//   target-kill  the target node's container is killed (and started again, its sidecar restarted)
//
// Usage: npm run bench:torture -- [--stack local] [--trials 100] [--lease 3] [--kinds a,b] [--modes m,n] [--json]
import { parseArgs } from "node:util";
import { execa, type ResultPromise } from "execa";
import { AgentClient } from "../agent/client.ts";
import { readEnvironment } from "../lifecycle/environment.ts";
import { containerOf, kernelState } from "../test/support/containers.ts";
import { until } from "../test/support/wait.ts";

const { values } = parseArgs({
  options: {
    stack: { type: "string", default: "local" },
    trials: { type: "string", default: "100" },
    lease: { type: "string", default: "3" },
    kinds: { type: "string" },
    modes: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const stack = values.stack;
const trials = Number(values.trials);
const lease = Number(values.lease);
const root = new URL("..", import.meta.url).pathname;
const env = await readEnvironment(stack);

const allKinds: [string, string[]][] = [
  ["network-partition", []],
  ["packet-loss", ["--set", "loss=20"]],
  ["network-latency", ["--set", "delay=50ms"]],
  ["transport-downgrade", []],
  ["bandwidth", ["--set", "rate=1mbit"]],
  ["process-pause", []],
  ["cpu-stress", ["--set", "workers=1", "--set", "load=50"]],
  ["disk-fill", ["--set", "fill=50"]],
  ["dns-failure", ["--set", "names=registry"]],
  ["clock-skew", ["--set", "offset=30s"]],
  ["http-fault", ["--set", "mode=abort", "--set", "share=0.5"]],
  ["cert-expiry", []],
  ["process-kill", []],
];
const allModes = ["normal", "cli-kill", "engine-kill", "agent-kill", "target-kill"] as const;
type Mode = (typeof allModes)[number];
// --kinds / --modes narrow the rotation, e.g. to re-run one way of dying for one kind.
const kinds = values.kinds ? allKinds.filter(([k]) => values.kinds!.split(",").includes(k)) : allKinds;
const modes = values.modes ? allModes.filter((m) => values.modes!.split(",").includes(m)) : allModes;

interface Trial {
  readonly i: number;
  readonly kind: string;
  readonly mode: Mode;
  readonly node: string;
  readonly id: string | null;
  readonly leftBehind: boolean;
  readonly detail: string;
  /** Kill (or, normally, the end of the CLI) → the fault gone from the agent and the kernel. */
  readonly goneMs: number | null;
}

const progress = (s: string) => process.stderr.write(`${s}\n`);
const agentOf = (node: string) => new AgentClient(env.nodes.find((n) => n.name === node)!.agentUrl, env.agentToken, { timeoutMs: 5_000 });
const cli = (...args: string[]): ResultPromise => execa(`${root}bin/meshkit-chaos`, [...args, "--stack", stack], { reject: false, all: true });

function activeLine(child: ResultPromise): Promise<{ id: string }> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line) as { id: string });
    });
    void child.then((r) => reject(new Error(`ended before active: ${String(r.all).split("\n").slice(-3).join(" | ")}`)));
  });
}

async function enginePid(): Promise<string> {
  return until("the run stack's engine", 60_000, async () => {
    const r = await execa("pgrep", ["-f", `pulumi up .*--stack ${stack}\\.run-`], { reject: false });
    return r.exitCode === 0 ? r.stdout.split("\n")[0] : undefined;
  }, 20);
}

async function running(container: string): Promise<boolean> {
  return (await execa("docker", ["inspect", "-f", "{{.State.Running}}", container], { reject: false })).stdout.trim() === "true";
}

/** Puts a killed node container back, and its sidecar into the new namespaces. */
async function heal(node: string): Promise<void> {
  const nodeContainer = containerOf(stack, node);
  if (!(await running(nodeContainer))) await execa("docker", ["start", nodeContainer]);
  await execa("docker", ["restart", "-t", "10", containerOf(stack, `${node}-agent`)]);
  await until(`${node}'s agent answering`, 60_000, async () => ((await agentOf(node).health().catch(() => null)) ? true : undefined));
  const controlUrl = env.nodes.find((n) => n.name === node)!.controlUrl;
  await until(`${node} healthy`, 60_000, async () => ((await fetch(`${controlUrl}/healthz`).catch(() => null))?.ok ? true : undefined));
}

const same = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(a) === JSON.stringify(b);

async function trial(i: number): Promise<Trial> {
  const [kind, set] = kinds[i % kinds.length]!;
  const mode = modes[i % modes.length]!;
  const node = `node-${(i % 3) + 1}`;
  const before = await kernelState(stack, node);
  const child = cli("fault", "apply", kind, "--target", node, ...set, "--duration", "6s", "--lease", `${lease}s`, "--json");
  let id: string | null = null;
  let killedAt = 0;
  try {
    if (mode === "engine-kill") {
      const pid = await enginePid();
      killedAt = Date.now();
      await execa("kill", ["-KILL", pid], { reject: false });
      await child;
    } else {
      id = (await activeLine(child)).id;
      if (mode === "normal") {
        await child;
      } else if (mode === "cli-kill") {
        child.kill("SIGKILL");
        killedAt = Date.now();
        await child;
      } else if (mode === "agent-kill") {
        const pid = (await execa("docker", ["inspect", "-f", "{{.State.Pid}}", containerOf(stack, `${node}-agent`)])).stdout.trim();
        killedAt = Date.now();
        await execa("kill", ["-KILL", pid]);
        await child;
      } else {
        killedAt = Date.now();
        await execa("docker", ["kill", containerOf(stack, node)]);
        await child;
        await heal(node);
      }
    }
  } catch (error) {
    child.kill("SIGKILL");
    await child;
    progress(`trial ${i} (${kind}, ${mode}): ${(error as Error).message}`);
  }
  const endedAt = killedAt || Date.now();
  let goneMs: number | null = null;
  try {
    await until("the fault gone", (lease + 15) * 1000, async () => {
      const held = (await agentOf(node).list()).faults.length > 0;
      return !held && same(await kernelState(stack, node), before) ? true : undefined;
    }, 200);
    goneMs = Date.now() - endedAt;
  } catch {
    // left behind: reported below
  }
  const after = await kernelState(stack, node);
  const held = (await agentOf(node).list().catch(() => ({ faults: [] }))).faults.map((f) => f.id);
  const leftBehind = goneMs === null;
  const detail = leftBehind
    ? `agent holds [${held.join(", ")}]; differs in ${Object.keys(after).filter((k) => after[k] !== before[k]).join(", ")}`
    : "";
  return { i, kind, mode, node, id, leftBehind, detail, goneMs };
}

const results: Trial[] = [];
for (let i = 0; i < trials; i++) {
  const t = await trial(i);
  results.push(t);
  progress(`trial ${i + 1}/${trials} ${t.kind} ${t.mode} on ${t.node}: ${t.leftBehind ? `LEFT BEHIND (${t.detail})` : `gone after ${t.goneMs} ms`}`);
  // Run stacks a killed CLI left hold nothing any more; clear them as a user would, every few trials.
  if ((i + 1) % 10 === 0 || i === trials - 1) await cli("fault", "revert", "--all");
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
console.log(`\ntorture run: ${trials} trials, lease ${lease} s, fault duration 6 s`);
console.log("| way of dying | trials | faults left behind | gone after (p50 / max, ms) |");
console.log("|---|---|---|---|");
for (const mode of modes) {
  const of = results.filter((r) => r.mode === mode);
  const gone = of.map((r) => r.goneMs).filter((x): x is number => x !== null);
  console.log(`| ${mode} | ${of.length} | ${of.filter((r) => r.leftBehind).length} | ${gone.length ? `${pct(gone, 50)} / ${Math.max(...gone)}` : "—"} |`);
}
const left = results.filter((r) => r.leftBehind);
console.log(`\nleft behind: ${left.length}${left.map((r) => `\n  trial ${r.i}: ${r.kind} ${r.mode} on ${r.node}: ${r.detail}`).join("")}`);
if (values.json) console.log(JSON.stringify(results));
