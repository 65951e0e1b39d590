// Issue 7 on the real engines, shared by every platform: every fault kind of the catalog applied through
// a run stack's `pulumi up` on a 3-node environment, its effect observed from outside the agent (another
// node, the node's own endpoints, the container runtime, the kernel state read through the sidecar),
// then rolled back by the run stack's `destroy`, after which the node's kernel state equals the state
// before. faults.test.ts runs it on the `ci` Docker stack, faults-kube.test.ts on the `kube` stack
// (agent sidecars in real pods of the local cluster); test/support/members.ts hides the difference.
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentClient } from "../../agent/client.ts";
import { metrics, paths } from "../../contract/meshkit.ts";
import { parseFaultRequest, planFault, type FaultPlan } from "../../faults/catalog.ts";
import { EnvironmentStack } from "../../lifecycle/environment.ts";
import type { EnvironmentOutputs } from "../../lifecycle/outputs.ts";
import { runStackFault } from "../../runner/fault-run.ts";
import { platformRefusals } from "../../runner/members.ts";
import { faultLabel, listRunStacks, RunStack } from "../../runner/run-stack.ts";
import { readTopology } from "../../runner/topology.ts";
import { meshkitChaos } from "../support/cli.ts";
import { Members } from "../support/members.ts";
import { until } from "../support/wait.ts";

export interface FaultChecksOptions {
  /** The environment stack the checks bring up (3 nodes) and inject into. */
  readonly stack: string;
  /** Engines and cluster the stack needs; throws loudly when they are missing. */
  readonly prepare: () => Promise<void>;
  /** Destroy the environment after the checks (true for a stack no later e2e file uses). */
  readonly destroyAfter?: boolean;
}

export function faultChecks({ stack, prepare, destroyAfter = false }: FaultChecksOptions): void {
  let env: EnvironmentOutputs;
  let members: Members;
  let environment: EnvironmentStack;

  const nodeUrl = (node: string) => env.nodes.find((n) => n.name === node)!.controlUrl;
  const agent = (node: string) => new AgentClient(env.nodes.find((n) => n.name === node)!.agentUrl, env.agentToken);

  /** A sample of the node's own metrics endpoint, read from the host. */
  async function nodeMetric(node: string, name: string, label = ""): Promise<number | undefined> {
    const text = await (await fetch(`${nodeUrl(node)}${paths.metrics}`, { signal: AbortSignal.timeout(3_000) })).text();
    const line = text.split("\n").find((l) => l.startsWith(name) && l.includes(label) && !l.startsWith("#"));
    return line === undefined ? undefined : Number(line.split(" ").at(-1));
  }

  /** TCP connect from one node's container to another's port, in ms; null when it fails or times out. */
  async function connectMs(from: string, to: string, port: number): Promise<number | null> {
    const host = await members.dnsName(to);
    const script = `s=$(date +%s%N); timeout 2 bash -c 'exec 3<>/dev/tcp/${host}/${port}' || exit 1; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))`;
    const r = await members.exec(from, "node", ["bash", "-c", script]);
    return r.ok ? Number(r.stdout.trim()) : null;
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  async function medianConnectMs(from: string, to: string, port: number, n = 9): Promise<number> {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const ms = await connectMs(from, to, port);
      if (ms !== null) samples.push(ms);
    }
    if (samples.length === 0) throw new Error(`no connection from ${from} to ${to}:${port} succeeded`);
    return median(samples);
  }

  async function plan(kind: string, target: string | null, set: Record<string, string> = {}, duration = "2m"): Promise<FaultPlan> {
    const request = parseFaultRequest({ kind, targets: target, set, duration });
    return planFault(request, await readTopology(env.nodes), "e2e");
  }

  /**
   * Applies the plan through a fresh run stack (`pulumi up`), runs `whileActive`, destroys the run stack
   * (`pulumi destroy`) and waits until every touched node's kernel state equals the state before.
   */
  async function throughRunStack(p: FaultPlan, whileActive: () => Promise<void>, afterRevert?: () => Promise<void>): Promise<void> {
    const nodes = p.agentRequests.map((r) => r.node);
    const before = await Promise.all(nodes.map((n) => members.kernelState(n)));
    const run = await RunStack.open(stack, p.id);
    try {
      await run.set([{ ...runStackFault(p), ttlSeconds: 120 }]);
      const held = await run.held();
      expect(held.map((h) => h.node).sort()).toEqual([...nodes].sort());
      await whileActive();
    } finally {
      await run.destroyAndRemove();
    }
    for (const node of nodes) expect((await agent(node).list()).faults.map((f) => f.id)).not.toContain(p.id);
    await afterRevert?.();
    await until(`kernel state of ${nodes.join(", ")} back to before ${p.kind}`, 30_000, async () => {
      const after = await Promise.all(nodes.map((n) => members.kernelState(n)));
      return JSON.stringify(after) === JSON.stringify(before) ? true : undefined;
    }).catch(async (error: Error) => {
      const after = await Promise.all(nodes.map((n) => members.kernelState(n)));
      expect(after, error.message).toEqual(before);
    });
  }

  beforeAll(async () => {
    await prepare();
    environment = await EnvironmentStack.open(stack, { onProgress: () => {} });
    env = await environment.up({ nodes: 3 });
    members = Members.of(stack, env);
    // A mesh that has formed: every node answers and one leader exists.
    await until("a leader of the mesh", 90_000, async () => {
      const t = await readTopology(env.nodes);
      return Object.values(t.leaders).some((l) => l !== null) ? t : undefined;
    });
  }, 900_000);

  afterAll(async () => {
    // Whatever a failed test left: revert at the agents and drop the run stacks (the env stays up for
    // the next e2e file; environment.test.ts brings it down).
    for (const name of await listRunStacks(stack)) {
      const run = await RunStack.open(stack, name.slice(`${stack}.run-`.length));
      await run.destroyAndRemove().catch(() => undefined);
    }
    if (destroyAfter) await environment?.destroy();
  }, 600_000);

  describe(`every fault kind through a run stack on stack ${stack}, observed from outside the agent, rolled back by destroy`, () => {
    it("network-partition: node-2 can no longer open a TCP connection to node-1, and can again after", async () => {
      expect(await connectMs("node-2", "node-1", 17421)).not.toBeNull();
      await throughRunStack(
        await plan("network-partition", "node-1"),
        async () => expect(await connectMs("node-2", "node-1", 17421)).toBeNull(),
        async () => expect(await connectMs("node-2", "node-1", 17421)).not.toBeNull(),
      );
    });

    it("network-latency: connecting from node-2 to node-1 takes 100 ms longer (NFQUEUE delayer: no sch_netem here)", async () => {
      const base = await medianConnectMs("node-2", "node-1", 8080);
      const p = await plan("network-latency", "node-1", { delay: "100ms", jitter: "0ms" });
      await throughRunStack(p, async () => {
        const slowed = await medianConnectMs("node-2", "node-1", 8080);
        expect(slowed - base).toBeGreaterThan(80);
        expect(slowed - base).toBeLessThan(200);
        expect((await agent("node-1").list()).faults[0]?.mechanism).toBe("nfqueue-delay");
      });
    });

    it("packet-loss: the statistic DROP rule in node-1's namespace counts dropped packets", async () => {
      await throughRunStack(await plan("packet-loss", "node-1", { loss: "30" }), async () => {
        await until("dropped packets counted", 20_000, async () => {
          const rules = await members.exec("node-1", "agent", ["iptables-save", "-c"]);
          const dropped = rules.stdout.split("\n").filter((l) => l.includes("statistic") && l.includes("DROP")).map((l) => Number(/^\[(\d+):/.exec(l)?.[1] ?? 0));
          return dropped.length > 0 && dropped.some((n) => n > 0) ? true : undefined;
        });
      });
    });

    it("bandwidth: a tbf qdisc at the configured rate shapes node-1's egress", async () => {
      await throughRunStack(await plan("bandwidth", "node-1", { rate: "1mbit" }), async () => {
        const qdiscs = await members.exec("node-1", "agent", ["tc", "qdisc", "show", "dev", "eth0"]);
        expect(qdiscs.stdout).toMatch(/tbf .*rate 1Mbit/);
      });
    });

    it("dns-failure: node-1 cannot resolve node-2 (NXDOMAIN) but still resolves node-3", async () => {
      const resolve = async (name: string) => (await members.exec("node-1", "node", ["getent", "hosts", name])).ok;
      const [two, three] = [await members.dnsName("node-2"), await members.dnsName("node-3")];
      expect(await resolve(two)).toBe(true);
      // In a cluster the resolver asks for `<pod>.<subdomain>.<search domain>`: the pattern covers those.
      const names = members.platform === "docker" ? two : `${two}.*`;
      await throughRunStack(
        await plan("dns-failure", "node-1", { names, mode: "nxdomain" }),
        async () => {
          expect(await resolve(two)).toBe(false);
          expect(await resolve(three)).toBe(true);
        },
        async () => expect(await resolve(two)).toBe(true),
      );
    });

    it("process-kill: node-1's control endpoint stops answering, and answers again after the rollback", async () => {
      const answers = async () => (await fetch(`${nodeUrl("node-1")}${paths.healthz}`, { signal: AbortSignal.timeout(1_000) }).catch(() => null))?.ok === true;
      await throughRunStack(
        await plan("process-kill", "node-1"),
        async () => expect(await answers()).toBe(false),
        async () => {
          await until("node-1 answering again", 30_000, async () => ((await answers()) ? true : undefined));
        },
      );
    });

    it("leader-kill: the mesh elects a new leader with a higher term", async () => {
      const before = await readTopology(env.nodes);
      const [scope, leader] = Object.entries(before.leaders).find(([, l]) => l !== null)!;
      const p = await plan("leader-kill", `role:leader:${scope}`);
      expect(p.targets).toEqual([leader]);
      await throughRunStack(p, async () => {
        const after = await until("a new leader", 60_000, async () => {
          const t = await readTopology(env.nodes.filter((n) => n.name !== leader));
          return t.leaders[scope] && t.leaders[scope] !== leader ? t : undefined;
        });
        expect(after.terms[scope]).toBeGreaterThan(before.terms[scope]!);
      });
    });

    it("process-pause: node-1's process is stopped (state T) and its endpoint hangs, then runs again", async () => {
      const nodeState = async () => (await members.exec("node-1", "agent", ["bash", "-c", "ps -eo stat,args | grep '[m]eshkit-node.mjs' | cut -c1"])).stdout.trim();
      await throughRunStack(await plan("process-pause", "node-1"), async () => {
        expect(await nodeState()).toBe("T");
      }, async () => expect(await nodeState()).not.toBe("T"));
    });

    it("cpu-stress: the container runtime sees node-1's sidecar burn CPU while it holds", async () => {
      const cpu = () => members.cpuPercent("node-1", "agent");
      const idle = await cpu();
      await throughRunStack(await plan("cpu-stress", "node-1", { workers: "1", load: "80" }), async () => {
        // Two shared cores: the worker gets what the machine leaves it, so the bar is a clear rise.
        expect(await cpu()).toBeGreaterThan(idle + 15);
      });
    });

    it("memory-pressure: the container runtime sees node-1's sidecar hold the configured memory", async () => {
      const mib = () => members.memoryMiB("node-1", "agent");
      const base = await mib();
      await throughRunStack(await plan("memory-pressure", "node-1", { megabytes: "128" }), async () => {
        expect((await mib()) - base).toBeGreaterThan(100);
      });
    });

    it("disk-fill: df in node-1's container shows its data volume filled, never the root fs", async () => {
      const usePct = async (path: string) => Number((await members.exec("node-1", "node", ["bash", "-c", `df --output=pcent ${path} | tail -1 | tr -dc 0-9`])).stdout);
      if (members.platform !== "docker") {
        // Filling a disk-backed emptyDir would fill the machine's own disk: only a memory-backed volume is filled here.
        const fstype = (await members.exec("node-1", "node", ["bash", "-c", "df --output=fstype /var/lib/meshkit | tail -1"])).stdout.trim();
        expect(fstype, "node-1's data volume must be a tmpfs (emptyDir medium Memory) before a disk-fill fills it").toBe("tmpfs");
      }
      const rootBefore = await usePct("/");
      await throughRunStack(await plan("disk-fill", "node-1", { fill: "80" }), async () => {
        expect(await usePct("/var/lib/meshkit")).toBeGreaterThanOrEqual(78);
        expect(Math.abs((await usePct("/")) - rootBefore)).toBeLessThanOrEqual(1);
      });
    });

    it("transport-downgrade: UDP on the data-plane port is dropped in node-1's namespace", async () => {
      await throughRunStack(await plan("transport-downgrade", "node-1"), async () => {
        const rules = (await members.exec("node-1", "agent", ["iptables-save"])).stdout;
        expect(rules).toMatch(/-p udp .*8443.* -j DROP/);
      });
    });

    it("cert-expiry: node-1 serves a certificate whose notAfter is in the past, and a valid one after", async () => {
      const notAfter = () => nodeMetric("node-1", metrics.tlsCertificateNotAfter.name, 'listener="gossip"');
      const now = () => Date.now() / 1000;
      expect(await notAfter()).toBeGreaterThan(now());
      await throughRunStack(
        await plan("cert-expiry", "node-1", { mode: "expired" }),
        async () => {
          await until("node-1 serving the expired certificate", 20_000, async () => (((await notAfter()) ?? Infinity) < now() ? true : undefined));
        },
        async () => {
          await until("node-1 serving its own certificate again", 20_000, async () => (((await notAfter()) ?? 0) > now() ? true : undefined));
        },
      );
    });

    it("clock-skew: node-1 reports its clock 60 s ahead, and 0 after", async () => {
      await throughRunStack(
        await plan("clock-skew", "node-1", { offset: "60s" }),
        async () => expect(await nodeMetric("node-1", metrics.clockOffset.name)).toBe(60),
        async () => expect(await nodeMetric("node-1", metrics.clockOffset.name)).toBe(0),
      );
    });

    if (platformRefusals(Members.of(stack).place, ["membership-surge"]).length === 0) {
      it("membership-surge: node-1 sees two more members Alive while it holds, and they are gone after", async () => {
        const peers = async () =>
          ((await (await fetch(`${nodeUrl("node-1")}${paths.peers}`)).json()) as { peers: { nodeId: string; status: string }[] }).peers;
        const p = await plan("membership-surge", null, { count: "2" });
        const joiners = async () => (await execa("docker", ["ps", "-aq", "--filter", `label=${faultLabel}=${p.id}`])).stdout.split("\n").filter(Boolean);
        await throughRunStack(
          p,
          async () => {
            expect(await joiners()).toHaveLength(2);
            await until("both joiners Alive on node-1", 60_000, async () => {
              const alive = (await peers()).filter((m) => m.nodeId.startsWith(p.id) && m.status === "Alive");
              return alive.length === 2 ? true : undefined;
            });
          },
          async () => {
            expect(await joiners()).toEqual([]);
            await until("the joiners no longer Alive on node-1", 60_000, async () =>
              (await peers()).some((m) => m.nodeId.startsWith(p.id) && m.status === "Alive") ? undefined : true,
            );
          },
        );
      });
    } else {
      it(`membership-surge: NOT RUN on stack ${stack} — ${platformRefusals(Members.of(stack).place, ["membership-surge"])[0]}; fault apply refuses it (exit 2) and starts nothing`, async () => {
        const runStacks = await listRunStacks(stack);
        const r = await meshkitChaos(["fault", "apply", "membership-surge", "--set", "count=2", "--duration", "30s", "--stack", stack]);
        expect(r.exitCode, r.all).toBe(2);
        expect(r.all).toMatch(/membership-surge does not run on kubernetes/);
        expect(await listRunStacks(stack)).toEqual(runStacks);
      });
    }

    it("http-fault and invalid-signature: node-1's chaos toggles are on while held, off after", async () => {
      const active = async () => Object.keys(((await (await fetch(`${nodeUrl("node-1")}${paths.chaosPrefix}`)).json()) as { active: Record<string, unknown> }).active).sort();
      await throughRunStack(
        await plan("http-fault", "node-1", { mode: "abort", share: "0.5" }),
        async () => expect(await active()).toEqual(["failing-handlers"]),
        async () => expect(await active()).toEqual([]),
      );
      await throughRunStack(
        await plan("invalid-signature", "node-1", { share: "0.5" }),
        async () => expect(await active()).toEqual(["invalid-signature"]),
        async () => expect(await active()).toEqual([]),
      );
    });
  });
}
