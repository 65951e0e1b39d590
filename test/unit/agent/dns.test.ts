// dns-failure through the real agent in a network namespace the test creates, on the real kernel:
// a small DNS server plays Docker's embedded resolver (127.0.0.11 with Docker's DNAT rules to a
// random port) or a plain resolv.conf nameserver on a peer namespace. Each mode is applied, observed
// from inside the namespace with getaddrinfo, c-ares and a raw TCP query, and reverted; afterwards
// the names resolve again and the nat table is what it was.
import { mkdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentApi } from "../../../agent/contract.ts";
import { AgentError } from "../../../agent/client.ts";
import { type NetnsAgent, type NetnsHosts, createNetnsHosts, netnsUsable } from "../../support/agent-netns.ts";
import { repoRoot } from "../../support/agent-process.ts";

const records = ["node-1=192.0.2.11", "registry=192.0.2.12", "api.example.test=192.0.2.10"];
const DOCKER_DNS_PORT = 40_053;

if (!(await netnsUsable())) {
  throw new Error("dns-failure tests need root and `ip netns` (they create their own network namespaces); run them as root");
}

interface Lookup {
  lookup: string;
  resolver: string;
  tcp: string;
}

describe("dns-failure through the agent", () => {
  let hosts: NetnsHosts;
  const upstreams: ResultPromise[] = [];
  let seq = 0;

  const netnsEtc = () => join("/etc/netns", hosts.agentNs);
  /** `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf for what it starts. */
  const writeResolvConf = (nameserver: string) => {
    mkdirSync(netnsEtc(), { recursive: true });
    writeFileSync(join(netnsEtc(), "resolv.conf"), `nameserver ${nameserver}\noptions ndots:0 timeout:1 attempts:1\n`);
  };

  const startUpstream = async (ns: string, listen: string): Promise<void> => {
    const p = execa("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", join(repoRoot, "test/support/dns-upstream.ts"), listen, ...records], {
      cwd: repoRoot,
      reject: false,
    });
    upstreams.push(p);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`DNS upstream on ${listen} not ready in 20 s`)), 20_000);
      p.stdout?.on("data", (c: Buffer) => {
        if (c.toString().includes('"ready":true')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void p.then((r) => reject(new Error(`DNS upstream exited: ${r.stderr}`)));
    });
  };

  const resolveInNs = async (...names: string[]): Promise<Record<string, Lookup>> => {
    const r = await hosts.inAgentNs(process.execPath, ["--import", "tsx", join(repoRoot, "test/support/dns-lookup.ts"), ...names]);
    if (r.exitCode !== 0) throw new Error(`dns-lookup failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { results: Record<string, Lookup> }).results;
  };
  const nat = async () => (await hosts.inAgentNs("iptables-save", ["-t", "nat"])).stdout.split("\n").filter((l) => !l.startsWith("#")).map((l) => l.replace(/ \[\d+:\d+\]$/, "")).join("\n");

  const apply = (agent: NetnsAgent, mode: string, names: string[]) =>
    agent.client.apply({ id: `dns-${++seq}-${Date.now().toString(36)}`, kind: "dns-failure", params: { mode, names }, targets: ["node-1"], ttlSeconds: 60 });

  beforeAll(async () => {
    hosts = await createNetnsHosts();
  }, 60_000);
  afterAll(async () => {
    for (const u of upstreams) u.kill("SIGTERM");
    if (hosts) rmSync(netnsEtc(), { recursive: true, force: true });
    try {
      rmdirSync("/etc/netns"); // only when empty: other namespaces' files stay
    } catch {}
    await hosts?.destroy();
  }, 60_000);

  describe("behind Docker's embedded DNS (127.0.0.11 DNAT'ed to a random port)", () => {
    let agent: NetnsAgent;
    let natBefore: string;

    beforeAll(async () => {
      await startUpstream(hosts.agentNs, `127.0.0.11:${DOCKER_DNS_PORT}`);
      // The rules Docker puts in a container's namespace (iptables-nft, as Docker uses here).
      const docker = [
        ["-N", "DOCKER_OUTPUT"],
        ["-N", "DOCKER_POSTROUTING"],
        ["-A", "OUTPUT", "-d", "127.0.0.11/32", "-j", "DOCKER_OUTPUT"],
        ["-A", "POSTROUTING", "-d", "127.0.0.11/32", "-j", "DOCKER_POSTROUTING"],
        ...(["tcp", "udp"] as const).flatMap((p) => [
          ["-A", "DOCKER_OUTPUT", "-d", "127.0.0.11/32", "-p", p, "-m", p, "--dport", "53", "-j", "DNAT", "--to-destination", `127.0.0.11:${DOCKER_DNS_PORT}`],
          ["-A", "DOCKER_POSTROUTING", "-s", "127.0.0.11/32", "-p", p, "-m", p, "--sport", String(DOCKER_DNS_PORT), "-j", "SNAT", "--to-source", ":53"],
        ]),
      ];
      for (const rule of docker) {
        const r = await hosts.inAgentNs("iptables", ["-t", "nat", ...rule]);
        if (r.exitCode !== 0) throw new Error(`iptables -t nat ${rule.join(" ")}: ${r.stderr}`);
      }
      writeResolvConf("127.0.0.11");
      agent = await hosts.startAgent({ env: { [agentApi.env.nodeId]: "node-1" } });
      const before = await resolveInNs("api.example.test", "node-1");
      expect(before["api.example.test"]).toEqual({ lookup: "192.0.2.10", resolver: "192.0.2.10", tcp: "192.0.2.10" });
      natBefore = await nat();
      expect(natBefore).toContain("DOCKER_OUTPUT");
    }, 60_000);
    afterAll(async () => {
      await agent?.stop(); // agents share the data dir (journal): one at a time from here on
    });

    const failures = {
      nxdomain: { lookup: "ENOTFOUND", resolver: "ENOTFOUND", tcp: "NXDOMAIN" },
      servfail: { lookup: "EAI_AGAIN", resolver: "ESERVFAIL", tcp: "SERVFAIL" },
      timeout: { lookup: "EAI_AGAIN", resolver: "ETIMEOUT", tcp: "timeout" },
    } as const;

    for (const mode of ["nxdomain", "servfail", "timeout"] as const) {
      it(`${mode}: matching names fail as configured, others resolve; revert restores both and the nat table`, async () => {
        const applied = await apply(agent, mode, ["api.*", "*.internal"]);
        expect(applied.mechanism).toBe("dns-responder");
        expect(applied.evidence.measured.probeIntercepted).toBe(1);
        expect(applied.evidence.measured.passThroughUnchanged).toBe(1);

        const during = await resolveInNs("api.example.test", "db.internal", "node-1", "registry");
        expect(during["api.example.test"]).toEqual(failures[mode]);
        expect(during["db.internal"]).toEqual(failures[mode]);
        expect(during["node-1"]).toEqual({ lookup: "192.0.2.11", resolver: "192.0.2.11", tcp: "192.0.2.11" });
        expect(during.registry!.lookup).toBe("192.0.2.12");
        expect(await nat()).not.toEqual(natBefore);

        const reverted = await agent.client.revert(applied.id);
        expect(reverted.verified).toBe(true);
        expect(await nat()).toEqual(natBefore);
        const after = await resolveInNs("api.example.test", "node-1");
        expect(after["api.example.test"]).toEqual({ lookup: "192.0.2.10", resolver: "192.0.2.10", tcp: "192.0.2.10" });
        expect(after["node-1"]!.lookup).toBe("192.0.2.11");
      });
    }

    it("one DNS fault per node: a second is refused and changes nothing", async () => {
      const first = await apply(agent, "nxdomain", ["api.*"]);
      try {
        const natDuring = await nat();
        const e = await apply(agent, "servfail", ["node-*"]).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(AgentError);
        expect((e as AgentError).message).toMatch(/already active/);
        expect(await nat()).toEqual(natDuring);
        expect((await resolveInNs("node-1"))["node-1"]!.lookup).toBe("192.0.2.11");
      } finally {
        expect((await agent.client.revert(first.id)).verified).toBe(true);
      }
      expect(await nat()).toEqual(natBefore);
    });

    it("agent killed mid-fault: the restarted agent reverts from its journal and names resolve again", async () => {
      const applied = await apply(agent, "nxdomain", ["api.*"]);
      await agent.kill();
      // The redirect outlives the agent (its responder is gone with it): resolution is broken until recovery.
      expect(await nat()).not.toEqual(natBefore);
      expect((await resolveInNs("node-1"))["node-1"]!.lookup).not.toBe("192.0.2.11");
      agent = await hosts.startAgent({ env: { [agentApi.env.nodeId]: "node-1" } });
      expect(await nat()).toEqual(natBefore);
      expect((await resolveInNs("api.example.test"))["api.example.test"]!.lookup).toBe("192.0.2.10");
      const recovered = (await agent.client.list()).recentReverts.find((r) => r.id === applied.id);
      expect(recovered).toMatchObject({ reason: "journal-recovery", verified: true });
    });

    it("without NET_ADMIN: a clear capability error and nothing changed", async () => {
      const weak = await hosts.startAgent({
        env: { [agentApi.env.nodeId]: "node-1", [agentApi.env.listen]: `${hosts.apiAddress}:9101` },
        prefix: ["setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin", "--"],
      });
      try {
        const e = await apply(weak, "nxdomain", ["api.*"]).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(AgentError);
        expect((e as AgentError).status).toBe(412);
        expect((e as AgentError).missing.join(" ")).toMatch(/NET_ADMIN/);
        expect(await nat()).toEqual(natBefore);
      } finally {
        await weak.stop();
      }
    });
  });

  describe("with a plain resolv.conf nameserver (no Docker DNS)", () => {
    let agent: NetnsAgent;

    beforeAll(async () => {
      await startUpstream(hosts.peerNs, `${hosts.peerAddress}:53`);
      writeResolvConf(hosts.peerAddress);
      agent = await hosts.startAgent({ env: { [agentApi.env.nodeId]: "node-1", [agentApi.env.listen]: `${hosts.apiAddress}:9102` } });
    }, 60_000);

    it("servfail for matching names; the rest is forwarded to the nameserver; revert restores", async () => {
      const natBefore = await nat();
      const applied = await apply(agent, "servfail", ["api.example.test"]);
      const during = await resolveInNs("api.example.test", "node-1");
      expect(during["api.example.test"]).toEqual({ lookup: "EAI_AGAIN", resolver: "ESERVFAIL", tcp: "SERVFAIL" });
      expect(during["node-1"]).toEqual({ lookup: "192.0.2.11", resolver: "192.0.2.11", tcp: "192.0.2.11" });
      expect((await agent.client.revert(applied.id)).verified).toBe(true);
      expect(await nat()).toEqual(natBefore);
      expect((await resolveInNs("api.example.test"))["api.example.test"]!.lookup).toBe("192.0.2.10");
    });
  });
});
