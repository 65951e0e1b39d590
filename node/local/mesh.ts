// Starts a registry and N nodes on loopback as real processes, each with its own throw-away
// certificate; used by `npm run mesh:local`, the node tests and the benchmark.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { certificateEnv, envKey } from "../../contract/meshkit.ts";
import { bundle as buildBundle, repoRoot } from "../../scripts/lib/bundle.ts";
import { type Ca, createCa, createLeaf, type LeafFiles, writeLeaf } from "./certs.ts";

/** V8 flags that keep an idle node small (see benchmarks/README.md); mirrored in images/node/Dockerfile. */
export const nodeFlags = ["--max-semi-space-size=1", "--max-old-space-size=96", "--single-threaded"];

export interface LocalProcess {
  readonly nodeId: string;
  readonly role: "node" | "registry";
  readonly pid: number;
  readonly controlUrl: string;
  readonly gossipAddress: string;
  readonly certFiles: LeafFiles;
  readonly logPath: string;
  readonly child: ChildProcess;
  exited(): boolean;
  /** Resolves with the exit code/signal when the process ends. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface LocalMesh {
  readonly dir: string;
  readonly ca: Ca;
  readonly registry: LocalProcess;
  readonly nodes: LocalProcess[];
  /** Starts one more node (seeded like the others). */
  addNode(nodeId: string, env?: Record<string, string>): Promise<LocalProcess>;
  stop(): Promise<void>;
}

export interface LocalMeshOptions {
  readonly nodes: number;
  /** Extra env for every node (MeshKit keys), e.g. `{ mesh__workload__rate: "0" }`. */
  readonly env?: Record<string, string>;
  readonly flags?: readonly string[];
  readonly keepDir?: boolean;
}

const nodeBinary = (): string => {
  const local = join(repoRoot, "node_modules", "node", "bin", "node");
  return existsSync(local) ? local : process.execPath;
};

async function spawnProcess(
  bundle: string,
  dir: string,
  ca: Ca,
  nodeId: string,
  role: "node" | "registry",
  env: Record<string, string>,
  flags: readonly string[],
): Promise<LocalProcess> {
  const certFiles = writeLeaf(join(dir, nodeId), await createLeaf(ca, nodeId), ca.certPem);
  const logPath = join(dir, `${nodeId}.log`);
  const logFd = openSync(logPath, "a");
  const child = spawn(nodeBinary(), [...flags, bundle], {
    stdio: ["ignore", "pipe", logFd],
    env: {
      PATH: process.env.PATH ?? "",
      ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
      [envKey("mesh:runtime:role")]: role,
      [envKey("mesh:gossip:nodeId")]: nodeId,
      [envKey("mesh:gossip:bindAddress")]: "127.0.0.1",
      [envKey("mesh:gossip:advertiseHost")]: "127.0.0.1",
      [envKey("mesh:gossip:port")]: "0",
      [envKey("mesh:control:port")]: "0",
      [envKey("mesh:transport:port")]: "0",
      [certificateEnv.gossipCert]: certFiles.certPath,
      [certificateEnv.gossipKey]: certFiles.keyPath,
      [certificateEnv.gossipCa]: certFiles.caPath,
      ...env,
    },
  });
  closeSync(logFd);
  let exitedFlag = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    }),
  );
  const ready = await new Promise<{ controlPort: number; gossipPort: number }>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${nodeId} not ready after 30 s; log ${logPath}`)), 30_000);
    rl.once("line", (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as { controlPort: number; gossipPort: number });
      } catch {
        reject(new Error(`${nodeId}: unexpected first line ${line}`));
      }
    });
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${nodeId} exited (${code ?? signal}) before ready: ${readFileSync(logPath, "utf8").slice(-2000)}`));
    });
  });
  child.stdout!.resume();
  return {
    nodeId,
    role,
    pid: child.pid!,
    controlUrl: `http://127.0.0.1:${ready.controlPort}`,
    gossipAddress: `127.0.0.1:${ready.gossipPort}`,
    certFiles,
    logPath,
    child,
    exit,
    exited: () => exitedFlag,
  };
}

/** SIGCONT (in case it is stopped), SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(p: LocalProcess, graceMs = 6000): Promise<void> {
  if (p.exited()) return;
  p.child.kill("SIGCONT");
  p.child.kill("SIGTERM");
  const t = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
  await p.exit;
  clearTimeout(t);
}

export async function startLocalMesh(o: LocalMeshOptions): Promise<LocalMesh> {
  const dir = mkdtempSync(join(tmpdir(), "meshkit-local-"));
  const started: LocalProcess[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((p) => stopProcess(p)));
    if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const bundle = await buildBundle("node", join(dir, "meshkit-node.mjs"));
    const ca = await createCa();
    const flags = o.flags ?? nodeFlags;
    const registry = await spawnProcess(bundle, dir, ca, "registry", "registry", {}, flags);
    started.push(registry);
    const base = { [envKey("mesh:registry:address")]: registry.gossipAddress, ...o.env };
    const nodes: LocalProcess[] = [];
    const add = async (nodeId: string, env: Record<string, string> = {}) => {
      const seed = nodes[0] ? { [envKey("mesh:gossip:seedPeers:0")]: nodes[0].gossipAddress } : {};
      const p = await spawnProcess(bundle, dir, ca, nodeId, "node", { ...base, ...seed, ...env }, flags);
      started.push(p);
      nodes.push(p);
      return p;
    };
    if (o.nodes > 0) await add("node-1");
    const rest = Array.from({ length: Math.max(o.nodes - 1, 0) }, (_, i) => `node-${i + 2}`);
    // Start in small batches so a 2-core machine is not swamped by 50 simultaneous start-ups.
    for (let i = 0; i < rest.length; i += 8) await Promise.all(rest.slice(i, i + 8).map((id) => add(id)));
    nodes.sort((a, b) => Number(a.nodeId.split("-")[1]) - Number(b.nodeId.split("-")[1]));
    return { dir, ca, registry, nodes, addNode: add, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
