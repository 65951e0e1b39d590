// The node image's real supervisor (images/node/supervise) as PID 1 of a PID namespace the test makes,
// as in the node container: `unshare` gives a new PID and mount namespace, a tmpfs on /opt (private to
// that mount namespace) holds /opt/meshkit/bin/node (this Node) and a stand-in
// /opt/meshkit/app/meshkit-node.mjs that idles and exits 0 on SIGTERM, like the node. The test, in the
// parent PID namespace, sees every process of the child namespace, as the sidecar does.

import { mkdtempSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { isAlive, listPids, pollUntil, readCmdline, readStat } from "../../agent/mechanisms/procfs.ts";

const repoRoot = new URL("../../", import.meta.url).pathname;
export const supervisorScript = join(repoRoot, "images/node/supervise");
export const nodeScriptName = "meshkit-node.mjs";

const standIn = `
process.on("SIGTERM", () => { console.log("stand-in node: SIGTERM, exiting 0"); process.exit(0); });
console.log("stand-in node: started");
setInterval(() => {}, 1 << 30);
`;

export interface SupervisedNode {
  /** The node image's data dir of this namespace (MESHKIT_DATA_DIR): hold files go here. */
  readonly dataDir: string;
  /** Host PID of the supervisor (PID 1 inside). */
  readonly supervisorPid: number;
  /** Host PID of the node process in this namespace, or null (what the sidecar's matcher finds). */
  nodePid(): number | null;
  readonly output: () => string;
  /** Resolves once the current node process has installed its SIGTERM handler (it says so). */
  ready(): Promise<void>;
  /** SIGTERM to the supervisor (as `docker stop` does); resolves with its exit code. */
  stop(): Promise<number | undefined>;
}

export async function startSupervisedNode(dataDir = mkdtempSync(join(tmpdir(), "meshkit-node-data-"))): Promise<SupervisedNode> {
  const work = mkdtempSync(join(tmpdir(), "meshkit-standin-"));
  writeFileSync(join(work, nodeScriptName), standIn);
  const setup = [
    "set -e",
    "mount -t tmpfs -o size=1m tmpfs /opt",
    "mkdir -p /opt/meshkit/bin /opt/meshkit/app",
    `ln -s "$STANDIN_NODE" /opt/meshkit/bin/node`,
    `cp "$STANDIN_DIR/${nodeScriptName}" /opt/meshkit/app/${nodeScriptName}`,
    `exec "$SUPERVISE"`,
  ].join("\n");
  const child: ResultPromise = execa("unshare", ["--mount", "--pid", "--fork", "--kill-child", "bash", "-c", setup], {
    env: { MESHKIT_DATA_DIR: dataDir, STANDIN_NODE: process.execPath, STANDIN_DIR: work, SUPERVISE: supervisorScript },
    reject: false,
    all: true,
  });
  let out = "";
  child.all?.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  const unsharePid = child.pid!;
  const supervisorPid = await pollUntil(5_000, () => listPids().find((p) => readStat(p)?.ppid === unsharePid && readCmdline(p)?.includes(supervisorScript)), 20);
  if (supervisorPid === undefined) throw new Error(`the supervisor did not start:\n${out}`);
  const ns = readlinkSync(`/proc/${supervisorPid}/ns/pid`);
  const nodePid = (): number | null => {
    const found = listPids()
      .filter((p) => {
        try {
          return p !== supervisorPid && readlinkSync(`/proc/${p}/ns/pid`) === ns && (readCmdline(p) ?? []).join(" ").includes(nodeScriptName);
        } catch {
          return false;
        }
      })
      .filter((p) => {
        const s = readStat(p);
        return s !== null && isAlive(p, s.startTime);
      })
      .sort((a, b) => a - b);
    return found[0] ?? null;
  };
  const node: SupervisedNode = {
    dataDir,
    supervisorPid,
    nodePid,
    output: () => out,
    ready: async () => {
      const count = (re: RegExp) => out.match(re)?.length ?? 0;
      const ok = await pollUntil(5_000, () => (count(/stand-in node: started/g) > count(/supervise: node exited/g) ? true : undefined), 20);
      if (!ok) throw new Error(`the stand-in node did not come up:\n${out}`);
    },
    stop: async () => {
      process.kill(supervisorPid, "SIGTERM");
      const r = await child;
      return r.exitCode;
    },
  };
  await node.ready();
  return node;
}

/** For a test's own checks: the state letter of a process in /proc/<pid>/stat. */
export const processState = (pid: number): string | null => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] ?? null;
  } catch {
    return null;
  }
};
