// The node image's supervisor in real containers: a registry and a node built from images/node, the
// node's data volume a size-bounded tmpfs volume as in the environment. Checked from a process sharing
// the node container's PID namespace (`docker exec`, as the sidecar does): SIGKILL to PID 1 is
// ignored, the node process can be killed and is kept down by a hold file, comes back when it goes,
// `docker stop` stops the node gracefully (exit 0) and the health check passes.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCa, createLeaf, writeLeaf } from "../../node/local/certs.ts";
import { buildImages } from "../../scripts/images.ts";
import { execIn } from "../support/containers.ts";

const prefix = `mkc-e2e-supervisor-${process.pid}`;
const names = { net: `${prefix}-net`, registry: `${prefix}-registry`, node: `${prefix}-node`, volume: `${prefix}-data` };
const label = "meshkit-chaos.project=meshkit-chaos";

const docker = (...args: string[]) => execa("docker", args, { reject: false });

/** `pid cmdline` of every process in the container's PID namespace (no ps in the image). */
async function processes(container: string): Promise<{ pid: number; cmd: string }[]> {
  const r = await execIn(container, ["bash", "-c", 'for p in /proc/[0-9]*; do c=$(tr "\\0" " " < $p/cmdline 2>/dev/null) && echo "${p#/proc/} $c"; done']);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => ({ pid: Number(l.slice(0, l.indexOf(" "))), cmd: l.slice(l.indexOf(" ") + 1) }));
}

const nodePid = async (): Promise<number | null> =>
  (await processes(names.node)).find((p) => p.cmd.startsWith("/opt/meshkit/bin/node ") && p.cmd.includes("meshkit-node.mjs"))?.pid ?? null;

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("node image supervisor", () => {
  let tls: string;
  beforeAll(async () => {
    const info = await docker("info");
    if (info.exitCode !== 0) throw new Error("this test needs the Docker engine (`docker info` fails); run bash scripts/bootstrap");
    const images = await buildImages(() => undefined);
    tls = mkdtempSync(join(tmpdir(), "meshkit-supervisor-tls-"));
    const ca = await createCa();
    for (const n of ["registry", "node-s"]) writeLeaf(join(tls, n), await createLeaf(ca, n, { hosts: [n] }), ca.certPem);
    await docker("network", "create", "--label", label, names.net);
    await docker("volume", "create", "--label", label, "--driver", "local", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=16m", names.volume);
    const common = ["run", "-d", "--label", label, "--network", names.net, "-e", "mesh__gossip__port=17421", "-e", "mesh__registry__address=registry:17421"];
    const registry = await docker(...common, "--name", names.registry, "--network-alias", "registry", "-e", "mesh__runtime__role=registry", "-e", "mesh__gossip__nodeId=registry", "-e", "mesh__gossip__advertiseHost=registry", "-v", `${join(tls, "registry")}:/etc/meshkit/tls:ro`, images.node!);
    expect(registry.exitCode, registry.stderr).toBe(0);
    const node = await docker(...common, "--name", names.node, "--network-alias", "node-s", "-e", "mesh__gossip__nodeId=node-s", "-e", "mesh__gossip__advertiseHost=node-s", "-e", "MESHKIT_DATA_DIR=/var/lib/meshkit", "-v", `${names.volume}:/var/lib/meshkit`, "-v", `${join(tls, "node-s")}:/etc/meshkit/tls:ro`, images.node!);
    expect(node.exitCode, node.stderr).toBe(0);
    await waitFor("the node container healthy", 60_000, async () => ((await docker("inspect", "-f", "{{.State.Health.Status}}", names.node)).stdout === "healthy" ? true : null));
  }, 300_000);
  afterAll(async () => {
    await docker("rm", "-f", names.node, names.registry);
    await docker("volume", "rm", names.volume);
    await docker("network", "rm", names.net);
    if (tls) rmSync(tls, { recursive: true, force: true });
  }, 60_000);

  it("PID 1 is the supervisor, and SIGKILL to it from inside the namespace is ignored", async () => {
    const procs = await processes(names.node);
    expect(procs.find((p) => p.pid === 1)?.cmd).toMatch(/^\/bin\/bash \/opt\/meshkit\/bin\/supervise/);
    expect(procs.find((p) => p.pid === 1)?.cmd).not.toContain("meshkit-node.mjs");
    await execIn(names.node, ["bash", "-c", "kill -9 1"]);
    expect((await docker("inspect", "-f", "{{.State.Running}}", names.node)).stdout).toBe("true");
  });

  it("a killed node stays down while the hold file exists and comes back when it goes; the container keeps running", async () => {
    const before = (await nodePid())!;
    expect(before).toBeGreaterThan(1);
    const hold = "/var/lib/meshkit/.meshkit-hold-mkc-e2e";
    expect((await execIn(names.node, ["bash", "-c", `touch ${hold} && kill -9 ${before}`])).ok).toBe(true);
    await waitFor("the node process gone", 5_000, async () => ((await nodePid()) === null ? true : null));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await nodePid()).toBeNull();
    expect((await docker("inspect", "-f", "{{.State.Running}} {{.RestartCount}}", names.node)).stdout).toBe("true 0");

    const released = Date.now();
    await execIn(names.node, ["rm", hold]);
    const after = await waitFor("a new node process", 10_000, nodePid);
    expect(after).not.toBe(before);
    const restartMs = Date.now() - released;
    console.log(`node process back ${restartMs} ms after the hold file was removed`);
    // Docker's health status still says healthy from before the kill: ask the new process itself.
    const answers = ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"];
    await waitFor("the restarted node answering", 60_000, async () => ((await execIn(names.node, answers)).ok ? true : null));
    const logs = await docker("logs", names.node);
    expect(logs.stderr).toContain("supervise: node held down by /var/lib/meshkit/.meshkit-hold-mkc-e2e");
  }, 120_000);

  it("the data volume is a 16 MB tmpfs, not the host's disk", async () => {
    const df = await execIn(names.node, ["df", "--output=fstype,size", "/var/lib/meshkit"]);
    expect(df.stdout).toMatch(/tmpfs\s+16384$/m); // 1K blocks
  });

  it("docker stop stops the node gracefully: it logs SIGTERM and the container exits 0", async () => {
    const started = Date.now();
    await docker("stop", names.node);
    const stopMs = Date.now() - started;
    expect((await docker("inspect", "-f", "{{.State.ExitCode}}", names.node)).stdout).toBe("0");
    const logs = await docker("logs", names.node);
    expect(`${logs.stdout}\n${logs.stderr}`).toMatch(/"msg":"stopping","signal":"SIGTERM"/);
    expect(stopMs).toBeLessThan(10_000); // well inside docker's grace period: no SIGKILL was needed
  }, 60_000);
});
