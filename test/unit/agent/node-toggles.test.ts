// http-fault, invalid-signature and clock-skew through the real agent process against a real node
// process: the effect is measured as a caller of the node's data plane sees it (share of failed, slow
// or badly signed RPCs over 200 calls), the node's clock as its control API reports it, and
// everything returns after revert. The agent runs in a network namespace of the test's own, so its
// kernel snapshots see no other test's changes; the node's control port listens on the root side of
// the namespace's API link, where both the agent and the test reach it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentApi } from "../../../agent/contract.ts";
import { AgentClient, AgentError } from "../../../agent/client.ts";
import { nodeControlEnv } from "../../../agent/mechanisms/node-toggle.ts";
import type { ApplyRequest } from "../../../agent/protocol.ts";
import { chaosNames, chaosToggle, metrics, paths } from "../../../contract/meshkit.ts";
import { type LocalMesh, startLocalMesh } from "../../../node/local/mesh.ts";
import { type DataPlaneCaller, dataPlaneCaller } from "../../support/data-plane.ts";
import { getJson, metricsText, post, sample, waitFor } from "../node/helpers.ts";
import { createNetnsHosts, type NetnsAgent, type NetnsHosts, netnsUsable } from "../../support/agent-netns.ts";

const CALLS = 200;
/** 4 standard deviations of a share near 0.5 over 200 calls is 0.14; a wrong mechanism is far off. */
const TOLERANCE = 0.12;

if (!(await netnsUsable())) {
  throw new Error("node toggle tests need root and `ip netns` (the agent runs in the test's own network namespace); run them as root");
}

describe("node chaos toggles through the agent", () => {
  let mesh: LocalMesh;
  let controlUrl: string;
  let hosts: NetnsHosts;
  let agent: NetnsAgent;
  let agentEnv: Record<string, string>;
  let client: AgentClient;
  let caller: DataPlaneCaller;
  let seq = 0;

  const request = (kind: ApplyRequest["kind"], params: Record<string, unknown>): ApplyRequest => ({
    id: `toggle-${++seq}-${Date.now().toString(36)}`,
    kind,
    params,
    targets: [mesh.nodes[0]!.nodeId],
    ttlSeconds: 60,
  });
  const activeToggles = async () => (await getJson<{ active: Record<string, unknown> }>(`${controlUrl}${paths.chaosPrefix}`)).body.active;

  beforeAll(async () => {
    hosts = await createNetnsHosts();
    const rootSide = hosts.apiAddress.replace(/\d+$/, (n) => String(Number(n) - 1));
    mesh = await startLocalMesh({ nodes: 1, env: { mesh__workload__rate: "0", mesh__control__bindAddress: rootSide } });
    controlUrl = mesh.nodes[0]!.controlUrl.replace("127.0.0.1", rootSide);
    agentEnv = { [agentApi.env.nodeId]: mesh.nodes[0]!.nodeId, [nodeControlEnv]: controlUrl };
    agent = await hosts.startAgent({ env: agentEnv });
    client = agent.client;
    caller = await dataPlaneCaller(mesh, controlUrl);
    const clean = await caller.tally(20);
    expect(clean).toMatchObject({ failed: 0, badSignature: 0, errors: 0 });
  }, 120_000);
  afterAll(async () => {
    caller?.close();
    await agent?.stop();
    await mesh?.stop();
    await hosts?.destroy();
  }, 60_000);

  it("http-fault abort: about the configured share of RPCs fail while active, none after revert", async () => {
    const applied = await client.apply(request("http-fault", { mode: "abort", share: 0.3, delayMs: 0 }));
    expect(applied.mechanism).toBe("node-chaos-toggle");
    expect(await activeToggles()).toHaveProperty(chaosNames.failingHandlers);
    const during = await caller.tally(CALLS);
    expect(during.errors).toBe(0);
    console.info(`http-fault abort share 0.3: ${during.failed}/${CALLS} failed`);
    expect(Math.abs(during.failed / CALLS - 0.3)).toBeLessThan(TOLERANCE);

    const reverted = await client.revert(applied.id);
    expect(reverted.verified).toBe(true);
    // The node's own counters over the fault window agree with what the caller saw.
    expect(reverted.evidence.measured.windowFailedShare).toBeCloseTo(during.failed / during.calls, 1);
    expect(await activeToggles()).toEqual({});
    expect(await caller.tally(50)).toMatchObject({ failed: 0, errors: 0 });
  });

  it("http-fault delay: about the configured share of RPCs take delayMs longer", async () => {
    const applied = await client.apply(request("http-fault", { mode: "delay", share: 0.5, delayMs: 300 }));
    expect((await activeToggles())[chaosNames.slowHandlers]).toMatchObject({ share: 0.5, delayMs: 300 });
    const during = await caller.tally(CALLS, { concurrency: 40, slowMs: 280 });
    expect(during.failed + during.errors).toBe(0);
    console.info(`http-fault delay share 0.5 of 300 ms: ${during.slow}/${CALLS} slow`);
    expect(Math.abs(during.slow / CALLS - 0.5)).toBeLessThan(TOLERANCE);

    expect((await client.revert(applied.id)).verified).toBe(true);
    expect((await caller.tally(50, { slowMs: 280 })).slow).toBe(0);
  });

  it("invalid-signature: about the configured share of responses fail the client's signature check", async () => {
    const applied = await client.apply(request("invalid-signature", { share: 0.25 }));
    const during = await caller.tally(CALLS);
    expect(during.failed + during.errors).toBe(0);
    console.info(`invalid-signature share 0.25: ${during.badSignature}/${CALLS} rejected`);
    expect(Math.abs(during.badSignature / CALLS - 0.25)).toBeLessThan(TOLERANCE);

    expect((await client.revert(applied.id)).verified).toBe(true);
    expect((await caller.tally(50)).badSignature).toBe(0);
  });

  it("clock-skew: the node's reported time and offset metric move by offsetMs and come back", async () => {
    const offsetMs = -90_000;
    const reported = async () => {
      const before = Date.now();
      const { body } = await getJson<{ generatedAt: string }>(`${controlUrl}${paths.peers}`);
      return Date.parse(body.generatedAt) - before;
    };
    const applied = await client.apply(request("clock-skew", { offsetMs }));
    expect(Math.abs(applied.evidence.measured.reportedClockOffsetMs! - offsetMs)).toBeLessThan(500);
    expect(Math.abs((await reported()) - offsetMs)).toBeLessThan(500);
    expect(sample(await metricsText(controlUrl), metrics.clockOffset.name)).toBe(offsetMs / 1000);

    const reverted = await client.revert(applied.id);
    expect(reverted.verified).toBe(true);
    expect(Math.abs(await reported())).toBeLessThan(500);
    expect(sample(await metricsText(controlUrl), metrics.clockOffset.name)).toBe(0);
  });

  it("lease: unrenewed, the agent stops the toggle by itself within TTL + 1 s", async () => {
    const applied = await client.apply({ ...request("clock-skew", { offsetMs: 5000 }), ttlSeconds: 2 });
    const expiresAt = Date.parse(applied.leaseExpiresAt);
    while ((await activeToggles())[chaosNames.clockSkew] !== undefined) {
      expect(Date.now()).toBeLessThan(expiresAt + 1000);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sample(await metricsText(controlUrl), metrics.clockOffset.name)).toBe(0);
    // The toggle is off before the agent has finished verifying the revert.
    const reverted = await waitFor("the lease revert recorded", 3000, async () => (await client.list()).recentReverts.find((r) => r.id === applied.id));
    expect(reverted).toMatchObject({ reason: "lease-expired", verified: true });
  });

  it("agent SIGKILLed mid-fault: the restarted agent stops the toggle from its journal", async () => {
    await client.apply(request("invalid-signature", { share: 1 }));
    await agent.kill();
    expect(await activeToggles()).toHaveProperty(chaosNames.invalidSignature);
    agent = await hosts.startAgent({ env: agentEnv });
    client = agent.client;
    expect(await activeToggles()).toEqual({});
    expect((await caller.tally(20)).badSignature).toBe(0);
  });

  it("refuses a toggle someone else started, and leaves that toggle alone", async () => {
    expect((await post(`${controlUrl}${chaosToggle(chaosNames.failingHandlers, "start")}`, { share: 0.1 })).status).toBe(200);
    try {
      const e = await client.apply(request("http-fault", { mode: "abort", share: 0.5, delayMs: 0 })).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AgentError);
      expect((e as AgentError).message).toMatch(/already active/);
      expect((await activeToggles())[chaosNames.failingHandlers]).toMatchObject({ share: 0.1 });
      expect((await client.list()).faults).toEqual([]);
    } finally {
      await post(`${controlUrl}${chaosToggle(chaosNames.failingHandlers, "stop")}`);
    }
  });

  it("fails clearly when the node's control port does not answer", async () => {
    const lonely = await hosts.startAgent({ env: { [nodeControlEnv]: "http://127.0.0.1:9", [agentApi.env.listen]: `${hosts.apiAddress}:9101` } });
    try {
      const e = await lonely.client.apply(request("invalid-signature", { share: 0.5 })).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AgentError);
      expect((e as AgentError).message).toMatch(/control port does not answer at http:\/\/127\.0\.0\.1:9/);
      expect((e as AgentError).message).toMatch(new RegExp(nodeControlEnv));
    } finally {
      await lonely.stop();
    }
  });
});
