// Issue 4 on the real engines: `meshkit-chaos env up` brings up a 3-node environment through the
// Pulumi engine on the local Docker engine; Prometheus scrapes every target; the mesh elects one leader;
// every dashboard query has data; no private key or agent token shows in outputs or logs; a new run id
// rotates certificates in place; `env down` leaves nothing.
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentApi } from "../../agent/contract.ts";
import { capabilitiesBody } from "../../agent/protocol.ts";
import { queryProblems, runDashboardQueries } from "../../components/observability/index.ts";
import { metrics, defaultLeadershipScope, paths } from "../../contract/meshkit.ts";
import { readEnvironment } from "../../lifecycle/environment.ts";
import { publicEnvironmentOutputs, type PublicEnvironmentOutputs } from "../../lifecycle/outputs.ts";
import { lastJsonLine, meshkitChaos } from "../support/cli.ts";
import { until } from "../support/wait.ts";
import { labelled, requireEngines, root } from "./engines.ts";

// The ci stack (its own ports, beside a developer's local stack); another one to run beside a busy ci.
const stack = process.env.MESHKIT_E2E_STACK ?? "ci";
const envCommand = (command: string, ...args: string[]) => meshkitChaos(["env", command, "--stack", stack, ...args]);

type Outputs = PublicEnvironmentOutputs;
const parseOutputs = (stdout: string): Outputs => publicEnvironmentOutputs.strict().parse(lastJsonLine(stdout));

async function promQuery(base: string, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== "success") throw new Error(`query failed: ${expr}`);
  return body.data.result;
}

const projectLabel = `meshkit-chaos.stack=${stack}`;
const containerIds = async () =>
  Object.fromEntries(
    (await execa("docker", ["ps", "-a", "--filter", `label=${projectLabel}`, "--format", "{{.Names}} {{.ID}}"])).stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ") as [string, string]),
  );

/** Each volume with the run id it was created under: a recreated volume carries the new run's.
 *  (Not its CreatedAt: a tmpfs volume reports when it was last mounted.) */
async function volumeRuns(): Promise<string[]> {
  const names = (await execa("docker", ["volume", "ls", "-q", "--filter", `label=${projectLabel}`])).stdout.split("\n").filter(Boolean);
  return Promise.all(
    names.map(async (v) => `${v} ${(await execa("docker", ["volume", "inspect", "-f", '{{index .Labels "meshkit-chaos.run-id"}}', v])).stdout}`),
  );
}

/** Lines of every private key the state holds (only `--show-secrets` may reveal them). */
async function privateKeyLines(): Promise<string[]> {
  const state = (await execa("pulumi", ["stack", "export", "--show-secrets", "--stack", stack], { cwd: root })).stdout;
  const keys = [...state.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----([^-]+)-----END/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  // The run CA and a leaf for the registry and each of the 3 nodes.
  expect(keys.length).toBeGreaterThanOrEqual(5);
  return keys.flatMap((k) => k.split("\n").filter((l) => l.length >= 40));
}

/** Keys and agent tokens of every run of this test (the rotation makes new ones). */
const secretsSeen = { keyLines: new Set<string>(), tokens: new Set<string>() };
async function rememberSecrets(): Promise<void> {
  for (const line of await privateKeyLines()) secretsSeen.keyLines.add(line);
  secretsSeen.tokens.add((await readEnvironment(stack)).agentToken);
}

let outputs: Outputs;
/** What the commands printed: searched for private keys and the agent token. */
const printed: Record<string, string> = {};

beforeAll(async () => {
  await requireEngines();
  // Whatever an earlier run on this machine left behind (a killed CI job, another checkout's state)
  // must not make this run fail or pass by accident.
  const purge = await envCommand("purge");
  if (purge.exitCode !== 0) throw new Error(`env purge failed:\n${purge.all}`);
  const up = await envCommand("up", "--nodes", "3", "--json");
  if (up.exitCode !== 0) throw new Error(`env up failed:\n${up.all}`);
  printed["env up"] = String(up.all);
  outputs = parseOutputs(String(up.stdout));
  await rememberSecrets();
});

afterAll(async () => {
  await envCommand("down");
});

describe("chaos environment on Docker", () => {
  it("brings up 3 nodes whose every Prometheus target is up", async () => {
    expect(outputs.nodes.map((n) => n.name)).toEqual(["node-1", "node-2", "node-3"]);
    const targets = await until("every target up", 90_000, async () => {
      const res = await fetch(`${outputs.prometheusUrl}/api/v1/targets`);
      const body = (await res.json()) as { data: { activeTargets: { health: string; labels: Record<string, string> }[] } };
      const active = body.data.activeTargets;
      return active.length > 0 && active.every((t) => t.health === "up") ? active : undefined;
    });
    // 3 nodes + 3 agents + the registry.
    expect(targets).toHaveLength(7);
  });

  it("has a healthy mesh: every peer Alive and exactly one leader seen through Prometheus", async () => {
    await until("all peers alive", 60_000, async () => {
      for (const node of outputs.nodes) {
        const res = await fetch(`${node.controlUrl}${paths.peers}`);
        const body = (await res.json()) as { peers: { nodeId: string; status: string }[] };
        const alive = body.peers.filter((p) => p.status === "Alive" && p.nodeId.startsWith("node-"));
        if (alive.length < outputs.nodes.length - 1) return undefined;
      }
      return true;
    });
    const leaders = await until("one leader in Prometheus", 60_000, async () => {
      const r = await promQuery(outputs.prometheusUrl, `sum(${metrics.isLeader.name}{mesh_scope="${defaultLeadershipScope}"})`);
      return r[0]?.value[1] === "1" ? r : undefined;
    });
    expect(leaders).toHaveLength(1);
  });

  it("runs an authenticated fault agent beside every node that sees its node's process", async () => {
    const { agentToken: token } = await readEnvironment(stack);
    for (const node of outputs.nodes) {
      expect(new URL(node.agentUrl).hostname).toBe("127.0.0.1");
      expect((await fetch(`${node.agentUrl}${agentApi.paths.capabilities}`)).status, node.name).toBe(401);
      const res = await fetch(`${node.agentUrl}${agentApi.paths.capabilities}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, node.name).toBe(200);
      const caps = capabilitiesBody.parse(await res.json());
      expect(caps.netAdmin, node.name).toBe(true);
      expect(caps.pidVisibility.nodeProcessVisible, node.name).toBe(true);
      expect(caps.iptables.available, node.name).toBe(true);
    }
  });

  it("answers every dashboard panel's query from the live Prometheus (data wherever an idle mesh has it)", async () => {
    // Rate windows need a few samples; retry until the problems settle or the deadline passes.
    const problems = await until("dashboard queries with data", 60_000, async () => {
      const found = queryProblems(await runDashboardQueries(outputs.prometheusUrl));
      return found.length === 0 ? found : undefined;
    }).catch(async () => queryProblems(await runDashboardQueries(outputs.prometheusUrl)));
    expect(problems).toEqual([]);
  });

  it("rotates every certificate on a new run id without recreating unrelated resources", async () => {
    const before = await containerIds();
    const volumesBefore = await volumeRuns();
    const network = (await execa("docker", ["network", "inspect", "-f", "{{.Id}}", `mkc-${stack}-net`])).stdout;
    const up = await envCommand("up", "--new-run-id", "--json");
    expect(up.exitCode, up.all).toBe(0);
    printed["env up --new-run-id"] = String(up.all);
    const after = parseOutputs(String(up.stdout));
    await rememberSecrets();
    expect(after.runId).not.toBe(outputs.runId);
    for (const [holder, serial] of Object.entries(outputs.certificateSerials)) {
      expect(after.certificateSerials[holder], holder).toBeDefined();
      expect(after.certificateSerials[holder], holder).not.toBe(serial);
    }
    // Holders of run secrets (nodes and registry: certificates; agents and Prometheus: the agent
    // token) are recreated; the network and the volumes are not.
    const now = await containerIds();
    expect(Object.keys(now).sort()).toEqual(Object.keys(before).sort());
    expect((await execa("docker", ["network", "inspect", "-f", "{{.Id}}", `mkc-${stack}-net`])).stdout).toBe(network);
    expect(await volumeRuns()).toEqual(volumesBefore);
    for (const v of volumesBefore) expect(v, "volume made by the first run").toMatch(new RegExp(` ${outputs.runId}$`));
    outputs = after;
  });

  it("shows no private key and no agent token in outputs or logs", async () => {
    await rememberSecrets();
    const plain = await execa("pulumi", ["stack", "output", "--json", "--stack", stack], { cwd: root });
    printed["pulumi stack output --json"] = plain.stdout;
    printed["pulumi stack export"] = (await execa("pulumi", ["stack", "export", "--stack", stack], { cwd: root })).stdout;
    printed["env outputs"] = String((await envCommand("outputs")).all);
    printed["env outputs --json"] = String((await envCommand("outputs", "--json")).all);
    const containers = (await execa("docker", ["ps", "-a", "--format", "{{.Names}}", "--filter", `label=${projectLabel}`])).stdout.split("\n");
    for (const c of containers.filter(Boolean)) printed[`docker logs ${c}`] = (await execa("docker", ["logs", c], { all: true })).all ?? "";

    expect(Object.keys(printed)).toContain("env up");
    for (const [where, text] of Object.entries(printed)) {
      expect(text, where).not.toContain("PRIVATE KEY");
      for (const line of secretsSeen.keyLines) expect(text.includes(line), `${where} holds a private key line`).toBe(false);
      for (const token of secretsSeen.tokens) expect(text.includes(token), `${where} holds the agent token`).toBe(false);
    }
  });

  it("env down leaves no container, network or volume with the project's labels", async () => {
    const down = await envCommand("down");
    expect(down.exitCode, down.all).toBe(0);
    expect(await labelled(projectLabel)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
