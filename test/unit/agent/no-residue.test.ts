// In a fresh network namespace, where nothing else changes kernel state, the whole kernel state the
// agent could touch is the same before and after its probes: links, qdiscs, iptables, nftables.

import { randomBytes } from "node:crypto";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentApi } from "../../../agent/contract.ts";
import { capabilitiesBody } from "../../../agent/protocol.ts";
import { baseEnv, newToken, startAgent } from "../../support/agent-process.ts";

const ns = `mkagent-${randomBytes(3).toString("hex")}`;
const inNs = (file: string, args: string[]) => execa("ip", ["netns", "exec", ns, file, ...args], { reject: false });

async function kernelState(): Promise<string> {
  const parts = await Promise.all([
    inNs("ip", ["-o", "link"]),
    inNs("tc", ["qdisc", "show"]),
    inNs("iptables-save", []),
    inNs("iptables-legacy-save", []),
    inNs("nft", ["list", "ruleset"]),
  ]);
  // iptables-save stamps its header and footer with the time.
  return parts.map((p) => p.stdout.replace(/^# (Generated|Completed).*$/gm, "")).join("\n---\n");
}

const canUseNetns = process.getuid?.() === 0 && (await execa("ip", ["netns", "list"], { reject: false })).exitCode === 0;

describe.runIf(canUseNetns)("capability probes in a fresh network namespace", () => {
  beforeAll(async () => {
    await execa("ip", ["netns", "add", ns]);
    await inNs("ip", ["link", "set", "lo", "up"]);
  });
  afterAll(async () => {
    await execa("ip", ["netns", "del", ns], { reject: false });
  });

  it("leave links, qdiscs and firewall tables exactly as they were", async () => {
    const before = await kernelState();
    const token = newToken();
    // The agent probes once at start-up, and again for the request below.
    const agent = await startAgent(baseEnv(token), ["ip", "netns", "exec", ns]);
    try {
      const request = `fetch(${JSON.stringify(agent.url + agentApi.paths.capabilities)}, { headers: { authorization: "Bearer " + process.env.T } })
        .then((r) => r.text()).then((t) => process.stdout.write(t))`;
      const r = await execa("ip", ["netns", "exec", ns, process.execPath, "-e", request], { env: { T: token } });
      const caps = capabilitiesBody.parse(JSON.parse(r.stdout));
      expect(caps.netAdmin).toBe(true);
      expect(caps.iptables.available).toBe(true);
    } finally {
      await agent.stop();
    }
    expect(await kernelState()).toBe(before);
  });
});
