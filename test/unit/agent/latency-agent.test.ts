// network-latency through the real agent process (agent/main.ts) in a network namespace the test
// creates: applied with the typed client, observed from the peer namespace with ping, reverted by
// request, by lease expiry and from the journal after an agent SIGKILL. Each time the namespace's
// iptables rules and qdiscs must equal what they were and no delayer may be left running.

import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ApplyRequest } from "../../../agent/protocol.ts";
import { createNetnsHosts, type NetnsAgent, type NetnsHosts, netnsUsable } from "../../support/agent-netns.ts";
import { repoRoot } from "../../support/agent-process.ts";
import { delayersIn, medianOf } from "../../support/netns-pair.ts";

if (!(await netnsUsable())) {
  throw new Error("latency-agent tests need root and `ip netns` (they create their own network namespaces); run them as root");
}

let hosts: NetnsHosts;
let env: Record<string, string>;
let agent: NetnsAgent;

const delayers = (): string[] => delayersIn(hosts.agentNs);

async function kernelState(): Promise<string> {
  const rules = (await hosts.inAgentNs("iptables-save", [])).stdout
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ""));
  return [...rules, "--", (await hosts.inAgentNs("tc", ["qdisc", "show"])).stdout].join("\n");
}

/** RTTs of pings from the peer to the agent's namespace: the replies leave through the delayed path. */
async function pingFromPeer(count: number): Promise<number[]> {
  const r = await hosts.inPeerNs("ping", ["-n", "-c", String(count), "-i", "0.05", "-W", "2", hosts.agentAddress]);
  const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  if (rtts.length === 0) throw new Error(`no ping replies from ${hosts.agentAddress}: ${r.stderr || r.stdout}`);
  return rtts;
}

const request = (id: string, ttlSeconds: number): ApplyRequest => ({
  id,
  kind: "network-latency",
  params: { delayMs: 100, jitterMs: 20, correlationPct: 0, peers: [hosts.peerAddress] },
  targets: ["node-1"],
  ttlSeconds,
});

async function waitFor(what: string, ms: number, done: () => Promise<boolean> | boolean): Promise<number> {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

beforeAll(async () => {
  const built = await execa(`${repoRoot}scripts/build-netdelay`, [], { reject: false });
  if (built.exitCode !== 0) throw new Error(`scripts/build-netdelay failed: ${built.stderr}`);
  env = { MESHKIT_AGENT_NETDELAY: built.stdout.trim() };
  hosts = await createNetnsHosts();
  agent = await hosts.startAgent({ env });
}, 60_000);

afterAll(async () => {
  await hosts?.destroy();
}, 60_000);

describe("network-latency through the agent", () => {
  test("applied, measured from the peer (100 ± 20 ms → median +100 ms ± 10 %), listed, and reverted to the state before", async () => {
    const before = await kernelState();
    const base = medianOf(await pingFromPeer(20));

    const applied = await agent.client.apply(request("lat-agent-1", 60));
    expect(applied.mechanism).toBe((await agent.client.capabilities()).schNetem ? "netem" : "nfqueue-delay");
    expect(applied.evidence.measured.rttIncreaseMs).toBeGreaterThan(50);
    const listed = await agent.client.list();
    expect(listed.faults.map((f) => [f.id, f.mechanism])).toEqual([["lat-agent-1", applied.mechanism]]);

    const increase = medianOf(await pingFromPeer(60)) - base;
    console.log(`through the agent: ${applied.mechanism} applied in ${applied.applyMs.toFixed(0)} ms; median RTT +${increase.toFixed(1)} ms`);
    expect(increase).toBeGreaterThanOrEqual(90);
    expect(increase).toBeLessThanOrEqual(110);

    const reverted = await agent.client.revert("lat-agent-1");
    expect(reverted.verified).toBe(true);
    expect(await kernelState()).toBe(before);
    expect(delayers()).toEqual([]);
  }, 60_000);

  test("an unrenewed lease reverts the delay by itself within TTL + 1 s", async () => {
    const before = await kernelState();
    const applied = await agent.client.apply(request("lat-agent-lease", 2));
    const expires = Date.parse(applied.leaseExpiresAt);
    const reverted = async () => (await agent.client.list()).recentReverts.find((r) => r.id === "lat-agent-lease");
    await waitFor("lease revert", 2_000 + 1_000 + 2_000, async () => (await reverted()) !== undefined);
    const revert = await reverted();
    const lateMs = Date.parse(revert!.revertedAt) - expires;
    if (revert?.verified !== true) console.log(agent.output());
    expect(revert?.reason).toBe("lease-expired");
    expect(revert?.verified).toBe(true);
    expect(lateMs).toBeLessThanOrEqual(1_000);
    expect(delayers()).toEqual([]);
    expect(await kernelState()).toBe(before);
  }, 30_000);

  test("an agent SIGKILLed mid-fault: the delayer exits with it, and the restarted agent reverts from its journal", async () => {
    const before = await kernelState();
    await agent.client.apply(request("lat-agent-crash", 60));
    expect(delayers()).toHaveLength(1);
    await agent.kill();
    await waitFor("delayer exit after the agent died", 3_000, () => delayers().length === 0);

    agent = await hosts.startAgent({ env });
    const recovered = (await agent.client.list()).recentReverts.find((r) => r.id === "lat-agent-crash");
    expect(recovered?.reason).toBe("journal-recovery");
    expect(recovered?.verified).toBe(true);
    expect(await kernelState()).toBe(before);
    expect(Math.abs(medianOf(await pingFromPeer(10)))).toBeLessThan(5);
    await agent.stop();
  }, 60_000);
});
