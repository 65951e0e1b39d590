// The agent as a real process on loopback: authentication, capabilities that match what this machine
// really has (checked with independent probes), metrics named as in the contract, no secret in logs.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentApi } from "../../../agent/contract.ts";
import { capabilitiesBody, errorBody, faultsBody, healthBody } from "../../../agent/protocol.ts";
import { agentMetrics, faultKinds } from "../../../contract/meshkit.ts";
import { baseEnv, get, newToken, type RunningAgent, startAgent } from "../../support/agent-process.ts";

const { paths } = agentApi;
const sh = (file: string, args: string[]) => execa(file, args, { reject: false });
const hex = () => randomBytes(3).toString("hex");

/** Independent oracles: the same questions asked directly of this machine. */
const oracle = {
  netAdmin: () => ((BigInt(`0x${/CapEff:\s*(\w+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]}`) >> 12n) & 1n) === 1n,
  async qdisc(args: string[]): Promise<boolean> {
    const dev = `mktest${hex()}`;
    if ((await sh("ip", ["link", "add", dev, "type", "bridge"])).exitCode !== 0) return false;
    try {
      return (await sh("tc", ["qdisc", "add", "dev", dev, "root", ...args])).exitCode === 0;
    } finally {
      await sh("ip", ["link", "del", dev]);
    }
  },
  async iptablesBackend(): Promise<string | null> {
    const r = await sh("iptables", ["--version"]);
    if (r.exitCode !== 0) return null;
    return /nf_tables/.test(r.stdout) ? "nf_tables" : "legacy";
  },
  async statisticMatch(): Promise<boolean> {
    const chain = `MKTEST${hex()}`;
    if ((await sh("iptables", ["-w", "5", "-N", chain])).exitCode !== 0) return false;
    try {
      const r = await sh("iptables", ["-w", "5", "-A", chain, "-m", "statistic", "--mode", "random", "--probability", "0.5", "-j", "RETURN"]);
      return r.exitCode === 0;
    } finally {
      await sh("iptables", ["-w", "5", "-F", chain]);
      await sh("iptables", ["-w", "5", "-X", chain]);
    }
  },
  stressNg: async () => (await sh("stress-ng", ["--version"])).exitCode === 0,
};

/** Objects the probes name with the agent's prefix; any of them after a probe is a leftover. */
async function probeLeftovers(): Promise<string[]> {
  const links = (await sh("ip", ["-o", "link"])).stdout;
  const rules = (await sh("iptables-save", [])).stdout;
  return [...links.split("\n"), ...rules.split("\n")].filter((l) => /mkprobe/i.test(l));
}

describe("fault agent on loopback", () => {
  const token = newToken();
  const marker = `meshkit-test-node-${hex()}`;
  let node: ResultPromise;
  let agent: RunningAgent;

  beforeAll(async () => {
    // Stands in for the node process; the agent finds it by a substring of its command line.
    node = execa(process.execPath, ["-e", "setInterval(() => {}, 1000)", marker], { reject: false });
    agent = await startAgent({ ...baseEnv(token), [agentApi.env.nodeProcess]: `cmdline:${marker}` });
  });

  afterAll(async () => {
    await agent?.stop();
    node?.kill();
  });

  it("answers health without a token", async () => {
    const res = await get(agent.url + paths.health);
    expect(res.status).toBe(200);
    expect(healthBody.parse(await res.json()).nodeId).toBe("node-test");
  });

  it.each([
    ["no token", undefined],
    ["a wrong token", "x".repeat(32)],
    ["a prefix of the token", "PREFIX"],
  ])("refuses capabilities and faults with %s", async (_, presented) => {
    const wrong = presented === "PREFIX" ? token.slice(0, -1) : presented;
    for (const path of [paths.capabilities, paths.faults]) {
      const res = await get(agent.url + path, wrong);
      expect(res.status, path).toBe(401);
      expect(errorBody.parse(await res.json()).error).toBe("unauthorized");
    }
  });

  it("reports the capabilities this machine really has and leaves no probe object behind", async () => {
    const res = await get(agent.url + paths.capabilities, token);
    expect(res.status).toBe(200);
    const caps = capabilitiesBody.parse(await res.json());

    expect(caps.netAdmin).toBe(oracle.netAdmin());
    expect(caps.schNetem).toBe(await oracle.qdisc(["netem", "delay", "1ms"]));
    expect(caps.tbf).toBe(await oracle.qdisc(["tbf", "rate", "1mbit", "burst", "32kbit", "latency", "400ms"]));
    expect(caps.iptables.backend).toBe(await oracle.iptablesBackend());
    expect(caps.iptables.available).toBe(caps.iptables.backend !== null && oracle.netAdmin());
    expect(caps.iptables.statisticMatch).toBe(await oracle.statisticMatch());
    expect(caps.stressTools.stressNg).toBe(await oracle.stressNg());
    expect(caps.kernel).toBe(release());
    expect(caps.pidVisibility).toEqual({ nodeProcessVisible: true, pid: node.pid, sharesNetworkNamespace: true });
    if (!caps.schNetem) expect(caps.notes.join("\n")).toMatch(/schNetem:/);

    expect(await probeLeftovers()).toEqual([]);
  });

  it("lists no active fault and no revert on a fresh start", async () => {
    const res = await get(agent.url + paths.faults, token);
    expect(res.status).toBe(200);
    expect(faultsBody.parse(await res.json())).toEqual({ faults: [], recentReverts: [] });
  });

  it("exposes the contract's agent metrics with values matching the API", async () => {
    const res = await get(agent.url + paths.metrics, token);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const m of Object.values(agentMetrics)) expect(text, m.name).toContain(`# TYPE ${m.name} ${m.type}`);
    expect(text).toMatch(new RegExp(`^${agentMetrics.agentUp.name} 1$`, "m"));
    for (const kind of faultKinds) expect(text).toContain(`${agentMetrics.faultsActive.name}{kind="${kind}"} 0`);

    const caps = capabilitiesBody.parse(await (await get(agent.url + paths.capabilities, token)).json());
    const gauge = (capability: string) =>
      Number(new RegExp(`^${agentMetrics.capability.name}\\{capability="${capability}"\\} (\\d)$`, "m").exec(text)?.[1]);
    expect(gauge("net_admin")).toBe(Number(caps.netAdmin));
    expect(gauge("sch_netem")).toBe(Number(caps.schNetem));
    expect(gauge("tbf")).toBe(Number(caps.tbf));
    expect(gauge("iptables_statistic")).toBe(Number(caps.iptables.statisticMatch));
    expect(gauge("node_process_visible")).toBe(1);
  });

  it("answers unknown paths and other methods with JSON errors", async () => {
    const missing = await get(`${agent.url}/v1/nope`, token);
    expect(missing.status).toBe(404);
    expect(errorBody.parse(await missing.json()).error).toBe("not_found");
    const put = await fetch(agent.url + paths.faults, { method: "PUT", headers: { authorization: `Bearer ${token}` } });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
    expect(errorBody.parse(await put.json()).error).toBe("method_not_allowed");
    const postHealth = await fetch(agent.url + paths.health, { method: "POST" });
    expect(postHealth.status).toBe(405);
  });

  it("never writes the token to stdout or stderr", () => {
    expect(agent.output()).toContain('"token":"set"');
    expect(agent.output()).not.toContain(token);
  });
});

describe("node process visibility", () => {
  it("with the pid1 heuristic, does not take its own ancestor (the host's init) for the node", async () => {
    const token = newToken();
    const agent = await startAgent(baseEnv(token));
    try {
      const caps = capabilitiesBody.parse(await (await get(agent.url + paths.capabilities, token)).json());
      expect(caps.pidVisibility).toEqual({ nodeProcessVisible: false, pid: null, sharesNetworkNamespace: null });
      expect(caps.notes.join("\n")).toMatch(/does not share the node's PID namespace/);
      const metrics = await (await get(agent.url + paths.metrics, token)).text();
      expect(metrics).toMatch(new RegExp(`^${agentMetrics.agentUp.name} 0$`, "m"));
    } finally {
      await agent.stop();
    }
  });
});

describe.runIf(process.getuid?.() === 0)("without CAP_NET_ADMIN", () => {
  it("reports netAdmin, qdiscs and iptables as missing and says how to grant them", async () => {
    const token = newToken();
    const agent = await startAgent(baseEnv(token), ["setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin", "--"]);
    try {
      const caps = capabilitiesBody.parse(await (await get(agent.url + paths.capabilities, token)).json());
      expect(caps).toMatchObject({ netAdmin: false, schNetem: false, tbf: false, iptables: { available: false, statisticMatch: false } });
      expect(caps.notes.join("\n")).toMatch(/--cap-add NET_ADMIN/);
      expect(await probeLeftovers()).toEqual([]);
    } finally {
      await agent.stop();
    }
  });
});
