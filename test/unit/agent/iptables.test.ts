// The iptables mechanisms through the real agent, in network namespaces this test creates: the
// partition cuts TCP both ways while active and not after; the kernel's iptables state is equal
// before and after; the lease reverts by itself; a SIGKILLed agent's journal is reverted by the next
// start; without NET_ADMIN nothing changes; bad input is refused naming the field.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentError } from "../../../agent/client.ts";
import { agentApi } from "../../../agent/contract.ts";
import { chainOf } from "../../../agent/mechanisms/iptables.ts";
import { type ApplyRequest, errorBody, faultsBody } from "../../../agent/protocol.ts";
import { agentMetrics, ports } from "../../../contract/meshkit.ts";
import { createNetnsHosts, type NetnsAgent, type NetnsHosts, netnsUsable } from "../../support/agent-netns.ts";

const usable = await netnsUsable();
if (!usable) console.error("iptables.test.ts: NOT RUN: needs root and `ip netns` (network namespaces)");

describe.runIf(usable)("iptables mechanisms in a namespace pair", () => {
  let hosts: NetnsHosts;
  let agent: NetnsAgent;
  const listeners: ResultPromise[] = [];
  let n = 0;
  const newId = (what: string) => `${what}-${process.pid}-${++n}`;

  /** The filter state of the agent's namespace as a user compares it: no timestamps, no counters. */
  const iptablesState = async () =>
    (await hosts.inAgentNs("iptables-save", [])).stdout
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .map((l) => l.replace(/ \[\d+:\d+\]$/, ""))
      .join("\n");

  /** bash's /dev/tcp with a deadline: "open", "timeout" or the error. */
  const tcpConnect = async (inNs: NetnsHosts["inAgentNs"], host: string, port: number): Promise<string> => {
    const r = await inNs("timeout", ["0.5", "bash", "-c", `exec 3<>/dev/tcp/${host}/${port}`]);
    return r.exitCode === 0 ? "open" : r.exitCode === 124 ? "timeout" : `failed: ${r.stderr.trim()}`;
  };

  const journalFiles = () => {
    try {
      return readdirSync(join(hosts.dataDir, ".meshkit-agent", "journal"));
    } catch {
      return [];
    }
  };

  const post = (a: NetnsAgent, body: unknown, token: string | null = a.token) =>
    fetch(a.url + agentApi.paths.faults, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  const partition = (id: string, ttlSeconds = 30): ApplyRequest => ({
    id,
    kind: "network-partition",
    params: { peers: [hosts.peerAddress], direction: "both" },
    targets: ["node-1", "node-2"],
    ttlSeconds,
  });

  beforeAll(async () => {
    hosts = await createNetnsHosts();
    // Something listening on each side, so "open" vs "timeout" is about the rules, not a closed port.
    const server = (address: string) => `require("net").createServer((s) => s.end()).listen(${ports.gossip}, "${address}")`;
    listeners.push(execa("ip", ["netns", "exec", hosts.peerNs, process.execPath, "-e", server(hosts.peerAddress)], { reject: false }));
    listeners.push(execa("ip", ["netns", "exec", hosts.agentNs, process.execPath, "-e", server(hosts.agentAddress)], { reject: false }));
    agent = await hosts.startAgent();
    for (let i = 0; i < 50 && (await tcpConnect(hosts.inAgentNs, hosts.peerAddress, ports.gossip)) !== "open"; i++) await new Promise((r) => setTimeout(r, 100));
  }, 60_000);

  afterAll(async () => {
    for (const l of listeners) l.kill("SIGKILL");
    await hosts?.destroy();
  });

  it("refuses apply, renew and revert without the token", async () => {
    expect((await post(agent, partition(newId("noauth")), null)).status).toBe(401);
    const renew = await fetch(`${agent.url}${agentApi.paths.faults}/x-1/renew`, { method: "POST", body: "{}" });
    expect(renew.status).toBe(401);
    const del = await fetch(`${agent.url}${agentApi.paths.faults}/x-1`, { method: "DELETE", headers: { authorization: "Bearer wrong-token-wrong-token" } });
    expect(del.status).toBe(401);
    expect(errorBody.parse(await del.json()).error).toBe("unauthorized");
  });

  it.each([
    ["a peer that is not a host name", { peers: ["not a host!"], direction: "both" }, "params.peers[0]"],
    ["a direction that does not exist", { peers: ["node-2"], direction: "sideways" }, "params.direction"],
    ["an unknown parameter", { peers: ["node-2"], direction: "both", extra: 1 }, "params"],
  ])("refuses %s with 400 naming the path, and changes nothing", async (_, params, path) => {
    const before = await iptablesState();
    const res = await post(agent, { ...partition(newId("bad")), params });
    expect(res.status).toBe(400);
    const body = errorBody.parse(await res.json());
    expect(body.error).toBe("invalid_params");
    expect(body.detail).toContain(`${path}:`);
    expect(await iptablesState()).toBe(before);
    expect(journalFiles()).toEqual([]);
  });

  it("refuses a bad ttl with 400 naming ttlSeconds, and an unknown kind with 400", async () => {
    const ttl = errorBody.parse(await (await post(agent, { ...partition(newId("ttl")), ttlSeconds: 0 })).json());
    expect(ttl.detail).toMatch(/^ttlSeconds: /);
    const kind = await post(agent, { ...partition(newId("kind")), kind: "meteor-strike" });
    expect(kind.status).toBe(400);
    expect(errorBody.parse(await kind.json()).detail).toMatch(/^kind: /);
  });

  it("renews only a fault it holds (404) and refuses a bad renew body naming ttlSeconds (400)", async () => {
    await expect(agent.client.renew("never-applied", 10)).rejects.toMatchObject({ status: 404, code: "not_found" });
    const res = await fetch(`${agent.url}${agentApi.paths.faults}/never-applied/renew`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ ttlSeconds: "ten" }),
    });
    expect(res.status).toBe(400);
    expect(errorBody.parse(await res.json()).detail).toMatch(/^ttlSeconds: /);
  });

  it("answers 501 for a kind no agent mechanism applies", async () => {
    const res = await post(agent, { id: newId("surge"), kind: "membership-surge", params: { count: 1 }, targets: ["node-1"], ttlSeconds: 10 });
    expect(res.status).toBe(501);
    expect(errorBody.parse(await res.json()).error).toBe("unsupported_kind");
  });

  it("partitions: TCP times out both ways while active, works after revert, iptables equal before and after", async () => {
    const before = await iptablesState();
    expect(await tcpConnect(hosts.inAgentNs, hosts.peerAddress, ports.gossip)).toBe("open");
    const id = newId("part");

    const applied = await agent.client.apply(partition(id));
    console.log(`partition apply: ${applied.applyMs.toFixed(1)} ms (agent), evidence:\n  ${applied.evidence.lines.join("\n  ")}`);
    expect(applied).toMatchObject({ id, kind: "network-partition", mechanism: "iptables", nodeId: "node-1" });
    expect(applied.evidence.measured.connectTimedOut).toBe(1);
    expect(journalFiles()).toEqual([`${id}.json`]);

    const during = await iptablesState();
    expect(during).toContain(`:${chainOf(id)} -`);
    expect(during).toMatch(new RegExp(`-A INPUT -m comment --comment mkc-${id} -j ${chainOf(id)}`));
    expect(during).toContain(`-A ${chainOf(id)} -s ${hosts.peerAddress}/32`);
    expect(await tcpConnect(hosts.inAgentNs, hosts.peerAddress, ports.gossip)).toBe("timeout");
    expect(await tcpConnect(hosts.inPeerNs, hosts.agentAddress, ports.gossip)).toBe("timeout");

    const listed = await agent.client.list();
    expect(listed.faults.map((f) => f.id)).toEqual([id]);
    const again = await post(agent, partition(id));
    expect(again.status).toBe(409);
    const metrics = await (await fetch(agent.url + agentApi.paths.metrics)).text();
    expect(metrics).toContain(`${agentMetrics.faultsActive.name}{kind="network-partition"} 1`);

    const reverted = await agent.client.revert(id);
    console.log(`partition revert: ${reverted.revertMs.toFixed(1)} ms, verified=${reverted.verified}:\n  ${reverted.evidence.lines.join("\n  ")}`);
    expect(reverted).toMatchObject({ id, reason: "requested", verified: true });
    expect(await tcpConnect(hosts.inAgentNs, hosts.peerAddress, ports.gossip)).toBe("open");
    expect(await tcpConnect(hosts.inPeerNs, hosts.agentAddress, ports.gossip)).toBe("open");
    expect(await iptablesState()).toBe(before);
    expect(journalFiles()).toEqual([]);
    expect((await agent.client.list()).faults).toEqual([]);
    await expect(agent.client.revert(id)).rejects.toMatchObject({ status: 404 });
    const after = await (await fetch(agent.url + agentApi.paths.metrics)).text();
    expect(after).toContain(`${agentMetrics.faultsActive.name}{kind="network-partition"} 0`);
    expect(after).toMatch(new RegExp(`${agentMetrics.applyDuration.name}_count\\{kind="network-partition"\\} [1-9]`));
  });

  it("fails an apply whose peer does not resolve, leaving nothing behind", async () => {
    const before = await iptablesState();
    const err = await agent.client
      .apply({ ...partition(newId("nores")), params: { peers: ["no-such-node"], direction: "both" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).message).toMatch(/no-such-node does not resolve/);
    expect(await iptablesState()).toBe(before);
    expect(journalFiles()).toEqual([]);
  });

  it("reverts by itself when the lease is not renewed, within TTL + 1 s; a renewed lease holds", async () => {
    const renewedId = newId("renewed");
    await agent.client.apply(partition(renewedId, 2));
    const expiring = partition(newId("lease"), 2);
    const applied = await agent.client.apply(expiring);
    const appliedAt = Date.now();
    const chain = chainOf(expiring.id);
    await new Promise((r) => setTimeout(r, 1200));
    await agent.client.renew(renewedId, 5);

    let goneAfterMs = Number.NaN;
    while (Date.now() - appliedAt < 5000) {
      if (!(await iptablesState()).includes(chain)) {
        goneAfterMs = Date.now() - appliedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`lease: ttl 2 s, rules gone ${goneAfterMs} ms after the apply answered (lease set at ${applied.leaseExpiresAt})`);
    expect(goneAfterMs).toBeGreaterThanOrEqual(1900);
    expect(goneAfterMs).toBeLessThanOrEqual(3000);

    // The kernel is clean first; the revert is listed once its verification (kernel diff) finished.
    let listed = await agent.client.list();
    for (let i = 0; i < 40 && listed.recentReverts[0]?.id !== expiring.id; i++) {
      await new Promise((r) => setTimeout(r, 50));
      listed = await agent.client.list();
    }
    expect(listed.faults.map((f) => f.id)).toEqual([renewedId]);
    expect(listed.recentReverts[0]).toMatchObject({ id: expiring.id, reason: "lease-expired", verified: true });
    expect(await tcpConnect(hosts.inAgentNs, hosts.peerAddress, ports.gossip)).toBe("timeout"); // the renewed one still cuts
    const metrics = await (await fetch(agent.url + agentApi.paths.metrics)).text();
    expect(metrics).toMatch(new RegExp(`${agentMetrics.leaseExpirations.name}\\{kind="network-partition"\\} [1-9]`));
    expect((await agent.client.revert(renewedId)).verified).toBe(true);
  });

  it("a SIGKILLed agent leaves its fault in the journal; the next start reverts it before serving", async () => {
    const before = await iptablesState();
    const id = newId("crash");
    await agent.client.apply(partition(id, 600));
    await agent.kill();
    // Nothing reverted it: the kernel still holds the rules, the journal still names the fault.
    expect(await iptablesState()).toContain(chainOf(id));
    expect(journalFiles()).toEqual([`${id}.json`]);

    agent = await hosts.startAgent();
    expect(await iptablesState()).toBe(before); // already reverted when the agent said ready
    expect(journalFiles()).toEqual([]);
    const listed = faultsBody.parse(await agent.client.list());
    expect(listed.faults).toEqual([]);
    expect(listed.recentReverts[0]).toMatchObject({ id, reason: "journal-recovery", verified: true, mechanism: "iptables" });
    expect(await tcpConnect(hosts.inAgentNs, hosts.peerAddress, ports.gossip)).toBe("open");
  });

  it("SIGTERM: the agent reverts its faults before it exits (a stopped agent enforces no lease)", async () => {
    const before = await iptablesState();
    const id = newId("term");
    await agent.client.apply(partition(id, 600));
    await agent.stop();
    expect(await agent.exited).toBe(0);
    expect(await iptablesState()).toBe(before);
    expect(journalFiles()).toEqual([]);
    expect(agent.output()).toMatch(new RegExp(`"msg":"reverted on stop","id":"${id}".*"verified":true`));
    agent = await hosts.startAgent();
    expect((await agent.client.list()).recentReverts).toEqual([]);
  });

  it("keeps two faults apart: reverting one leaves the other's rules, both verified", async () => {
    const before = await iptablesState();
    const cut = newId("cut");
    const udp = newId("udp");
    await agent.client.apply(partition(cut));
    await agent.client.apply({ id: udp, kind: "transport-downgrade", params: {}, targets: ["node-1"], ttlSeconds: 30 });
    const first = await agent.client.revert(cut);
    expect(first.verified).toBe(true);
    const mid = await iptablesState();
    expect(mid).not.toContain(chainOf(cut));
    expect(mid).toContain(chainOf(udp));
    expect((await agent.client.revert(udp)).verified).toBe(true);
    expect(await iptablesState()).toBe(before);
  });

  it("transport-downgrade drops UDP on the data port both ways and nothing else", async () => {
    const udpSend = async () => (await hosts.inAgentNs("bash", ["-c", `echo x > /dev/udp/${hosts.peerAddress}/${ports.data}`])).exitCode;
    expect(await udpSend()).toBe(0);
    const id = newId("down");
    const applied = await agent.client.apply({ id, kind: "transport-downgrade", params: {}, targets: ["node-1"], ttlSeconds: 30 });
    expect(applied.evidence.measured.udpBlocked).toBe(1);
    expect(await udpSend()).not.toBe(0); // EPERM from the OUTPUT rule
    expect(await tcpConnect(hosts.inAgentNs, hosts.peerAddress, ports.gossip)).toBe("open");
    expect((await agent.client.revert(id)).verified).toBe(true);
    expect(await udpSend()).toBe(0);
  });

  it("packet-loss drops the configured share of packets to the peer (1000 pings)", async () => {
    const id = newId("loss");
    const applied = await agent.client.apply({ id, kind: "packet-loss", params: { lossPct: 10, peers: [hosts.peerAddress] }, targets: ["node-1"], ttlSeconds: 60 });
    expect(applied.mechanism).toBe("iptables-statistic");
    const agentRatio = applied.evidence.measured.lossRatio!;
    const ping = await hosts.inAgentNs("ping", ["-n", "-q", "-c", "1000", "-i", "0.002", "-W", "1", hosts.peerAddress]);
    const lossPct = Number(/([\d.]+)% packet loss/.exec(ping.stdout)?.[1]);
    console.log(`packet-loss 10 %: agent probe ${(agentRatio * 100).toFixed(1)} % of 400 datagrams, ping ${lossPct} % of 1000`);
    expect(lossPct).toBeGreaterThanOrEqual(7);
    expect(lossPct).toBeLessThanOrEqual(13);
    expect((await agent.client.revert(id)).verified).toBe(true);
    const clean = await hosts.inAgentNs("ping", ["-n", "-q", "-c", "200", "-i", "0.002", "-W", "1", hosts.peerAddress]);
    expect(clean.stdout).toMatch(/ 0% packet loss/);
  });

  it("without NET_ADMIN: 412 naming NET_ADMIN and how to grant it, iptables unchanged", async () => {
    const before = await iptablesState();
    const weak = await hosts.startAgent({
      prefix: ["setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin", "--"],
      env: { [agentApi.env.listen]: `${hosts.apiAddress}:${agentApi.port + 1}` },
    });
    try {
      const res = await post(weak, partition(newId("weak")));
      expect(res.status).toBe(412);
      const body = errorBody.parse(await res.json());
      expect(body.error).toBe("capability_missing");
      expect(body.missing?.[0]).toMatch(/^NET_ADMIN: .*--cap-add NET_ADMIN/);
      expect(await iptablesState()).toBe(before);
      expect(journalFiles()).toEqual([]);
    } finally {
      await weak.stop();
    }
  });
});
