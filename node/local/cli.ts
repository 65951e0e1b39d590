// `npm run mesh:local -- --nodes N [--json]`: a registry and N nodes on loopback with throw-away
// certificates, in the foreground until SIGINT/SIGTERM, which stops every process it started.
import { parseArgs } from "node:util";
import { startLocalMesh } from "./mesh.ts";

const usage = `usage: npm run mesh:local -- --nodes N [--json]

  --nodes N   number of mesh nodes to start (1..200), plus one registry
  --json      print one JSON line {"registry":{controlUrl,pid},"nodes":[{nodeId,controlUrl,pid}]}
  --help      this text

Everything listens on 127.0.0.1 with ports chosen by the kernel. Stop with Ctrl-C (SIGINT) or SIGTERM.`;

function fail(msg: string): never {
  process.stderr.write(`mesh:local: ${msg}\n\n${usage}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: { nodes: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (e) {
  fail((e as Error).message);
}
if (args.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (args.nodes === undefined) fail("--nodes is required");
if (!/^\d+$/.test(args.nodes) || Number(args.nodes) < 1 || Number(args.nodes) > 200) {
  fail(`--nodes expects an integer 1..200, got "${args.nodes}"`);
}

const mesh = await startLocalMesh({ nodes: Number(args.nodes) }).catch((e: Error) => {
  process.stderr.write(`mesh:local: cannot start the mesh: ${e.message}\n`);
  process.exit(1);
});

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  if (!args.json) process.stderr.write(`mesh:local: ${signal}, stopping ${mesh.nodes.length + 1} processes\n`);
  void mesh.stop().then(() => process.exit(0));
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));

// A process that dies on its own is reported, not restarted: that is a fault worth seeing.
for (const p of [mesh.registry, ...mesh.nodes]) {
  void p.exit.then(({ code, signal }) => {
    if (!stopping) process.stderr.write(`mesh:local: ${p.nodeId} (pid ${p.pid}) exited (${code ?? signal}); log ${p.logPath}\n`);
  });
}

if (args.json) {
  process.stdout.write(
    `${JSON.stringify({
      registry: { controlUrl: mesh.registry.controlUrl, pid: mesh.registry.pid },
      nodes: mesh.nodes.map((n) => ({ nodeId: n.nodeId, controlUrl: n.controlUrl, pid: n.pid })),
    })}\n`,
  );
} else {
  process.stdout.write(`registry  ${mesh.registry.controlUrl}  pid ${mesh.registry.pid}\n`);
  for (const n of mesh.nodes) process.stdout.write(`${n.nodeId.padEnd(9)} ${n.controlUrl}  pid ${n.pid}\n`);
  process.stdout.write(`logs and certificates in ${mesh.dir}; Ctrl-C stops everything\n`);
}
