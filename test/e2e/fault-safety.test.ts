// No fault is ever left behind (fault-catalog.md, invariants 2, 3 and 5), on the real engines and the
// `ci` environment: an unrenewed lease reverts within TTL + 1 s; SIGKILL of the CLI, of the Pulumi
// engine or of the agent mid-fault leaves nothing once the lease (or the journal) has acted; a sidecar
// without NET_ADMIN refuses before changing anything; `pulumi refresh` sees a fault removed behind the
// run stack's back.
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentClient } from "../../agent/client.ts";
import { agentApi } from "../../agent/contract.ts";
import { parseFaultRequest, planFault } from "../../faults/catalog.ts";
import { labelKeys } from "../../components/model/environment.ts";
import { EnvironmentStack } from "../../lifecycle/environment.ts";
import type { EnvironmentOutputs } from "../../lifecycle/outputs.ts";
import { runStackFault } from "../../runner/fault-run.ts";
import { listRunStacks, RunStack } from "../../runner/run-stack.ts";
import { readTopology } from "../../runner/topology.ts";
import { containerOf, execIn, kernelState } from "../support/containers.ts";
import { until } from "../support/wait.ts";
import { requireEngines, root } from "./engines.ts";

const stack = "ci";
let env: EnvironmentOutputs;
const agent = (node: string) => new AgentClient(env.nodes.find((n) => n.name === node)!.agentUrl, env.agentToken);
const partitionParams = { peers: ["node-3"], direction: "both" };

const cli = (...args: string[]): ResultPromise =>
  execa(`${root}/bin/meshkit-chaos`, [...args, "--stack", stack], { cwd: root, reject: false, all: true });

/** Resolves with the first stdout JSON line of a running CLI (the "verified active" line). */
const firstJsonLine = (child: ResultPromise): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    void child.then((r) => reject(new Error(`CLI ended before the fault was active:\n${String(r.all)}`)));
  });

async function held(node: string, id: string): Promise<boolean> {
  return (await agent(node).list()).faults.some((f) => f.id === id);
}

beforeAll(async () => {
  await requireEngines();
  env = await (await EnvironmentStack.open(stack)).up({ nodes: 3 });
}, 900_000);

afterAll(async () => {
  await cli("fault", "revert", "--all");
});

describe("faults revert themselves", () => {
  it("an unrenewed lease is reverted by the agent within TTL + 1 s and the kernel state is as before", async () => {
    const before = await kernelState(stack, "node-2");
    const applied = await agent("node-2").apply({ id: "lease-e2e-1", kind: "network-partition", params: partitionParams, targets: ["node-2"], ttlSeconds: 3 });
    const revert = await until("the agent's own revert", 10_000, async () =>
      (await agent("node-2").list()).recentReverts.find((r) => r.id === "lease-e2e-1"),
    );
    expect(revert.reason).toBe("lease-expired");
    expect(revert.verified).toBe(true);
    const lateMs = Date.parse(revert.revertedAt) - Date.parse(applied.leaseExpiresAt);
    console.log(`lease expiry: reverted ${lateMs} ms after the lease ran out (revert took ${Math.round(revert.revertMs)} ms)`);
    expect(lateMs).toBeLessThanOrEqual(1_000);
    expect(await kernelState(stack, "node-2")).toEqual(before);
  });

  it("SIGKILL of the CLI mid-fault: the lease reverts it; `fault list` names the orphaned run stack and `fault revert --all` clears it", async () => {
    const before = await kernelState(stack, "node-2");
    const child = cli("fault", "apply", "network-partition", "--target", "node-2", "--set", "peers=node-3", "--duration", "5m", "--lease", "3s", "--json");
    const active = await firstJsonLine(child);
    const id = String(active.id);
    expect(await held("node-2", id)).toBe(true);
    const killedAt = Date.now();
    child.kill("SIGKILL");
    await child;
    await until("the lease to revert the fault", 10_000, async () => ((await held("node-2", id)) ? undefined : true), 200);
    console.log(`CLI SIGKILL: fault gone ${Date.now() - killedAt} ms after the kill (lease 3 s)`);
    expect(await kernelState(stack, "node-2")).toEqual(before);

    const list = await cli("fault", "list", "--json");
    const inventory = JSON.parse(String(list.stdout).trim().split("\n").at(-1)!) as { mismatches: string[] };
    expect(inventory.mismatches.join("\n")).toContain(id);
    const revert = await cli("fault", "revert", "--all");
    expect(revert.exitCode, String(revert.all)).toBe(0);
    expect(await listRunStacks(stack)).toEqual([]);
  });

  it("SIGKILL of the Pulumi engine mid-apply: the CLI fails, nothing is left after the lease, and the next command recovers the run stack", async () => {
    const before = await kernelState(stack, "node-2");
    const child = cli("fault", "apply", "network-partition", "--target", "node-2", "--set", "peers=node-3", "--duration", "5m", "--lease", "3s");
    // The engine of the run stack's update: kill it the moment it runs.
    const engine = await until("the run stack's engine", 60_000, async () => {
      const r = await execa("pgrep", ["-f", `pulumi up .*--stack ${stack}\\.run-`], { reject: false });
      return r.exitCode === 0 ? r.stdout.split("\n")[0] : undefined;
    }, 50);
    await execa("kill", ["-KILL", engine!]);
    const result = await child;
    expect(result.exitCode).not.toBe(0);
    await until("no agent holding a fault", 10_000, async () => ((await agent("node-2").list()).faults.length === 0 ? true : undefined), 200);
    expect(await kernelState(stack, "node-2")).toEqual(before);
    const revert = await cli("fault", "revert", "--all");
    expect(revert.exitCode, String(revert.all)).toBe(0);
    expect(await listRunStacks(stack)).toEqual([]);
  });

  it("SIGKILL of the agent mid-fault: the restarted agent reverts from its journal", async () => {
    const before = await kernelState(stack, "node-2");
    await agent("node-2").apply({ id: "journal-e2e-1", kind: "network-partition", params: partitionParams, targets: ["node-2"], ttlSeconds: 600 });
    const pid = (await execa("docker", ["inspect", "-f", "{{.State.Pid}}", containerOf(stack, "node-2-agent")])).stdout.trim();
    await execa("kill", ["-KILL", pid]);
    const recovered = await until("the restarted agent's journal recovery", 60_000, async () =>
      (await agent("node-2").list()).recentReverts.find((r) => r.id === "journal-e2e-1"),
    );
    expect(recovered.reason).toBe("journal-recovery");
    expect(await kernelState(stack, "node-2")).toEqual(before);
  });
});

describe("refusals and drift", () => {
  it("a sidecar without NET_ADMIN refuses a partition naming the capability, and changes nothing", async () => {
    const before = await kernelState(stack, "node-3");
    const name = `${containerOf(stack, "node-3")}-nocap-test`;
    const image = (await execa("docker", ["inspect", "-f", "{{.Config.Image}}", containerOf(stack, "node-3-agent")])).stdout.trim();
    await execa("docker", ["rm", "-f", name], { reject: false });
    await execa("docker", [
      "run", "-d", "--name", name,
      "--label", `${labelKeys.project}=meshkit-chaos`, "--label", `${labelKeys.stack}=${stack}`,
      "--network", `container:${containerOf(stack, "node-3")}`, "--pid", `container:${containerOf(stack, "node-3")}`,
      "-e", `${agentApi.env.token}=nocap-test-token-0123456789`, "-e", `${agentApi.env.nodeId}=node-3`,
      "-e", `${agentApi.env.listen}=127.0.0.1:9199`, "-e", `${agentApi.env.dataDir}=/tmp`,
      image,
    ]);
    try {
      const script = `fetch("http://127.0.0.1:9199/v1/faults",{method:"POST",headers:{authorization:"Bearer nocap-test-token-0123456789","content-type":"application/json"},body:JSON.stringify({id:"nocap-1",kind:"network-partition",params:{peers:["node-1"],direction:"both"},targets:["node-3"],ttlSeconds:30})}).then(async r=>console.log(r.status, await r.text()))`;
      const answer = await until("the capability-less agent's answer", 30_000, async () => {
        const r = await execIn(name, ["/opt/meshkit/bin/node", "-e", script]);
        return r.ok && /^\d{3} /.test(r.stdout) ? r.stdout : undefined;
      });
      expect(answer).toMatch(/^412 /);
      expect(answer).toContain("NET_ADMIN");
    } finally {
      await execa("docker", ["rm", "-f", name], { reject: false });
    }
    expect(await kernelState(stack, "node-3")).toEqual(before);
  });

  it("`fault apply --dry-run` plans and previews, and injects nothing", async () => {
    const before = await kernelState(stack, "node-2");
    const r = await cli("fault", "apply", "network-partition", "--target", "node-2", "--duration", "30s", "--dry-run", "--json");
    expect(r.exitCode, String(r.all)).toBe(0);
    const plan = JSON.parse(String(r.stdout).trim().split("\n").at(-1)!) as { dryRun: boolean; description: string; agentRequests: { node: string }[] };
    expect(plan.dryRun).toBe(true);
    expect(plan.description).toMatch(/would add iptables DROP between node-2 and/);
    expect(String(r.stderr)).toMatch(/\+ \d+ to create/); // the run stack's preview
    expect((await agent("node-2").list()).faults).toEqual([]);
    expect(await kernelState(stack, "node-2")).toEqual(before);
    expect(await listRunStacks(stack)).toEqual([]);
  });

  it("`pulumi refresh` of a run stack drops a fault that was reverted behind its back", async () => {
    const request = parseFaultRequest({ kind: "network-partition", targets: "node-2", set: { peers: "node-3" }, duration: "5m" });
    const plan = planFault(request, await readTopology(env.nodes), "refresh");
    const run = await RunStack.open(stack, plan.id);
    try {
      await run.set([{ ...runStackFault(plan), ttlSeconds: 120 }]);
      expect((await run.held()).map((h) => h.faultId)).toEqual([plan.id]);
      await agent("node-2").revert(plan.id); // a human, behind the state's back
      await run.refresh();
      expect(await run.held()).toEqual([]);
    } finally {
      await run.destroyAndRemove();
    }
  });
});
