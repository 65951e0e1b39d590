// Entry point of the reference MeshKit node: `mesh__runtime__role=node|registry`, configuration from
// the environment. Runs as PID 1 in a container, so SIGTERM/SIGINT are handled explicitly.
import { ConfigError, loadConfig } from "./config.ts";
import { startMember } from "./member.ts";
import { startRegistry } from "./registry/registry.ts";
import { CertificateLoadError } from "./tls/certificates.ts";

const STOP_DEADLINE_MS = 5000;

async function main(): Promise<void> {
  // Signal handlers first: a stop that arrives while the node is still starting (a container stopped
  // right after a restart) is a graceful stop too, not a death by SIGTERM.
  let running: { stop: () => Promise<unknown> } | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: "info", msg: "stopping", signal })}\n`);
    setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
    if (running) void running.stop().finally(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  let cfg;
  try {
    cfg = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`meshkit-node: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  let started;
  try {
    started = cfg.role === "registry" ? await startRegistry(cfg) : await startMember(cfg);
  } catch (e) {
    const what = e instanceof CertificateLoadError ? e.message : `cannot start: ${(e as Error).message}`;
    process.stderr.write(`meshkit-node: ${what}\n`);
    process.exit(1);
  }
  running = started;
  // Stopped while starting: release what the start took, then leave.
  if (stopping) void running.stop().finally(() => process.exit(0));
  else process.stdout.write(`${JSON.stringify(started.ready)}\n`);
}

void main();
