// The real fault agent inside network namespaces the test creates: a node's network namespace with
// one peer beside it, so a fault changes a kernel that nothing else on the machine uses, and traffic
// goes only to addresses inside those namespaces.
//
//   test process (root ns)                 agent ns ("the node")                 peer ns ("node-2")
//   api-<hex> 169.254.N.1/30 ──veth── 169.254.N.2/30 (API)    n-<hex> 192.0.2.1/24 ──veth── 192.0.2.2/24
//
// The API link exists only so the test process can call the agent with the real AgentClient; faults
// target the peer link (TEST-NET-1, never routed anywhere else). Needs root (`ip netns`).
//
// Usage:
//   const hosts = await createNetnsHosts();            // in beforeAll
//   const agent = await hosts.startAgent();             // AgentClient in agent.client
//   await agent.client.apply({ id, kind, params: { peers: [hosts.peerAddress], ... }, targets, ttlSeconds });
//   await hosts.inAgentNs("iptables-save", []);         // look at the kernel the agent changed
//   await hosts.destroy();                              // in afterAll: stops agents, deletes namespaces
//
// `startAgent({ prefix })` runs it under another command inside the namespace (e.g. setpriv to drop
// NET_ADMIN); a second `startAgent()` after `agent.kill()` reuses the same data directory (journal).

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { AgentClient } from "../../agent/client.ts";
import { agentApi } from "../../agent/contract.ts";
import { newToken, type RunningAgent, startAgent } from "./agent-process.ts";

export const netnsUsable = async (): Promise<boolean> =>
  process.getuid?.() === 0 && (await execa("ip", ["netns", "list"], { reject: false })).exitCode === 0;

export interface NsResult {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NetnsAgent extends RunningAgent {
  readonly client: AgentClient;
  readonly token: string;
}

export interface StartOptions {
  /** Extra environment (e.g. MESHKIT_AGENT_NODE_PROCESS). */
  readonly env?: Record<string, string>;
  /** Runs the agent under this command inside the namespace, e.g. ["setpriv", "--bounding-set", "-net_admin", "--"]. */
  readonly prefix?: readonly string[];
}

export interface NetnsHosts {
  readonly agentNs: string;
  readonly peerNs: string;
  /** The agent namespace's address on the peer link. */
  readonly agentAddress: string;
  readonly peerAddress: string;
  /** Where the agent listens, reachable from the test process. */
  readonly apiAddress: string;
  /** The agent's data volume; kept across restarts so the journal survives. */
  readonly dataDir: string;
  /** Runs a command inside the namespace; never throws on a non-zero exit. */
  readonly inAgentNs: (file: string, args: readonly string[]) => Promise<NsResult>;
  readonly inPeerNs: (file: string, args: readonly string[]) => Promise<NsResult>;
  readonly startAgent: (options?: StartOptions) => Promise<NetnsAgent>;
  /** Kills every agent started here, deletes the namespaces, the root-side link and the data dir. */
  readonly destroy: () => Promise<void>;
}

const sh = (file: string, args: readonly string[]) => execa(file, args, { reject: false });

/** A /30 in 169.254.0.0/16 that no interface of the root namespace uses yet (parallel test files). */
async function freeLinkLocalSubnet(): Promise<number> {
  const used = (await sh("ip", ["-4", "-o", "addr"])).stdout;
  for (let attempt = 0; attempt < 50; attempt++) {
    const third = 1 + Math.floor(Math.random() * 250); // 169.254.0.x and .255.x are reserved
    const fourth = 4 * Math.floor(Math.random() * 63);
    if (third === 169) continue; // 169.254.169.254: cloud metadata address, keep well away
    if (!used.includes(`169.254.${third}.`)) return third * 256 + fourth;
  }
  throw new Error("no free 169.254.x.y/30 subnet for the test's API link");
}

export async function createNetnsHosts(): Promise<NetnsHosts> {
  const hex = randomBytes(3).toString("hex");
  const agentNs = `mk-agent-${hex}`;
  const peerNs = `mk-peer-${hex}`;
  const apiRoot = `mka-${hex}`;
  const peerLink = `mkp-${hex}`;
  const agents: RunningAgent[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "meshkit-agent-netns-"));

  const inNs =
    (ns: string) =>
    async (file: string, args: readonly string[]): Promise<NsResult> => {
      const r = await execa("ip", ["netns", "exec", ns, file, ...args], { reject: false });
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    };
  const must = async (file: string, args: readonly string[]) => {
    const r = await sh(file, args);
    if (r.exitCode !== 0) throw new Error(`${file} ${args.join(" ")}: ${r.stderr}`);
  };

  const destroy = async () => {
    for (const a of agents) await a.kill().catch(() => undefined);
    await sh("ip", ["link", "del", apiRoot]); // deleting one end of a veth deletes both
    await sh("ip", ["netns", "del", agentNs]);
    await sh("ip", ["netns", "del", peerNs]);
    rmSync(dataDir, { recursive: true, force: true });
  };

  const subnet = await freeLinkLocalSubnet();
  const ipOf = (n: number) => `169.254.${Math.floor(n / 256)}.${n % 256}`;
  const apiRootAddress = ipOf(subnet + 1);
  const apiAddress = ipOf(subnet + 2);
  const agentAddress = "192.0.2.1";
  const peerAddress = "192.0.2.2";

  try {
    await must("ip", ["netns", "add", agentNs]);
    await must("ip", ["netns", "add", peerNs]);
    for (const ns of [agentNs, peerNs]) await must("ip", ["-n", ns, "link", "set", "lo", "up"]);

    await must("ip", ["link", "add", apiRoot, "type", "veth", "peer", "name", "api0", "netns", agentNs]);
    await must("ip", ["addr", "add", `${apiRootAddress}/30`, "dev", apiRoot]);
    await must("ip", ["link", "set", apiRoot, "up"]);
    await must("ip", ["-n", agentNs, "addr", "add", `${apiAddress}/30`, "dev", "api0"]);
    await must("ip", ["-n", agentNs, "link", "set", "api0", "up"]);

    await must("ip", ["-n", agentNs, "link", "add", "eth0", "type", "veth", "peer", "name", peerLink, "netns", peerNs]);
    await must("ip", ["-n", peerNs, "link", "set", peerLink, "name", "eth0"]);
    await must("ip", ["-n", agentNs, "addr", "add", `${agentAddress}/24`, "dev", "eth0"]);
    await must("ip", ["-n", peerNs, "addr", "add", `${peerAddress}/24`, "dev", "eth0"]);
    await must("ip", ["-n", agentNs, "link", "set", "eth0", "up"]);
    await must("ip", ["-n", peerNs, "link", "set", "eth0", "up"]);
  } catch (err) {
    await destroy();
    throw err;
  }

  return {
    agentNs,
    peerNs,
    agentAddress,
    peerAddress,
    apiAddress,
    dataDir,
    inAgentNs: inNs(agentNs),
    inPeerNs: inNs(peerNs),
    destroy,
    async startAgent(options = {}) {
      const token = newToken();
      const agent = await startAgent(
        {
          [agentApi.env.token]: token,
          [agentApi.env.nodeId]: "node-1",
          [agentApi.env.listen]: `${apiAddress}:${agentApi.port}`,
          [agentApi.env.dataDir]: dataDir,
          ...options.env,
        },
        ["ip", "netns", "exec", agentNs, ...(options.prefix ?? [])],
      );
      agents.push(agent);
      return { ...agent, token, client: new AgentClient(agent.url, token) };
    },
  };
}
