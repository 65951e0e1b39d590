// Entry point of the fault agent: parse the environment, measure capabilities, revert whatever the
// journal holds from a previous agent process, serve the API. On stdout it prints one ready line
// (JSON with the bound address) once it accepts requests.

import { mkdirSync } from "node:fs";
import { release } from "node:os";
import pkg from "../package.json" with { type: "json" };
import { createApiServer } from "./api.ts";
import { bearerChecker } from "./auth.ts";
import { measureCapabilities, measurePidVisibility } from "./capabilities.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { KernelLock, run } from "./exec.ts";
import { FaultManager } from "./faults.ts";
import { Journal } from "./journal.ts";
import { createLogger } from "./log.ts";
import { mechanismsByKind } from "./mechanisms/index.ts";
import { createMetrics } from "./metrics.ts";
import type { Capabilities } from "./protocol.ts";

function configOrExit() {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`meshkit-agent: ${err.message}\n`);
    process.exit(2);
  }
}

const config = configOrExit();
const log = createLogger(config.nodeId);
const lock = new KernelLock();
/** The agent's private state (the fault journal, mechanisms' files): survives an agent restart. */
const stateDir = config.stateDir;
mkdirSync(stateDir, { recursive: true, mode: 0o700 });

const unmeasured = (reason: string): Capabilities => ({
  netAdmin: false,
  schNetem: false,
  tbf: false,
  iptables: { available: false, backend: null, statisticMatch: false },
  pidVisibility: { nodeProcessVisible: false, pid: null, sharesNetworkNamespace: null },
  stressTools: { stressNg: false },
  kernel: release(),
  measuredAt: new Date().toISOString(),
  notes: [`not measured: ${reason}`],
});

let lastCapabilities = unmeasured("the agent is starting");
const remeasure = async (): Promise<Capabilities> => {
  lastCapabilities = await measureCapabilities({ nodeProcess: config.nodeProcess, lock });
  return lastCapabilities;
};

log.info("starting", {
  version: pkg.version,
  token: "set", // the value is a secret: only its presence is logged
  listen: `${config.host}:${config.port}`,
  nodeProcess: config.nodeProcess,
  dataDir: config.dataDir,
});

try {
  log.info("capabilities measured", await remeasure());
} catch (err) {
  const detail = err instanceof Error ? err.message : String(err);
  lastCapabilities = unmeasured(detail);
  log.error("capability probe failed", { detail });
}

const nodePid = () => measurePidVisibility(config.nodeProcess).visibility.pid;
const metrics = createMetrics({
  // Read at scrape time, after `faults` exists.
  activeByKind: () => faults.countByKind(),
  capabilities: () => lastCapabilities,
  pidVisibility: () => measurePidVisibility(config.nodeProcess).visibility,
});
const faults = new FaultManager({
  nodeId: config.nodeId,
  dataDir: config.dataDir,
  stateDir,
  journal: new Journal(stateDir),
  lock,
  run,
  capabilities: () => lastCapabilities,
  nodePid,
  mechanisms: mechanismsByKind,
  metrics,
  log,
});

// Before serving: a fault a crashed agent left behind is reverted now, not when someone asks. A
// revert that cannot be verified yet (the node restarting with its container) is retried every 2 s
// until it is: the journal keeps the fault meanwhile.
const recoverFrom = async (only?: ReadonlySet<string>): Promise<Set<string>> => {
  try {
    const results = await faults.recover(only);
    for (const r of results) log.warn("reverted a fault left by a previous agent process", { id: r.id, kind: r.kind, verified: r.verified });
    return new Set(results.filter((r) => !r.verified).map((r) => r.id));
  } catch (err) {
    log.error("journal recovery failed", { detail: err instanceof Error ? err.message : String(err), stateDir });
    return only ? new Set(only) : new Set();
  }
};
let unrecovered = await recoverFrom();
let retrying = false;
const retryRecovery = setInterval(() => {
  if (unrecovered.size === 0) return clearInterval(retryRecovery);
  if (retrying) return;
  retrying = true;
  void recoverFrom(unrecovered).then((left) => {
    unrecovered = left;
    retrying = false;
  });
}, 2_000);
retryRecovery.unref();
faults.startLeases();

const server = createApiServer({
  nodeId: config.nodeId,
  version: pkg.version,
  startedAt: Date.now(),
  authorize: bearerChecker(config.token),
  measureCapabilities: remeasure,
  faults,
  metrics: metrics.registry,
  log,
});

server.on("error", (err) => {
  log.error("cannot serve", { detail: err.message, listen: `${config.host}:${config.port}` });
  process.exit(1);
});

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  log.info("listening", { host: config.host, port });
  process.stdout.write(`${JSON.stringify({ ready: true, host: config.host, port })}\n`);
});

// On SIGTERM/SIGINT the agent reverts its faults before it exits (reason `agent-stopping`): a stopped
// agent enforces no lease, and the node keeps running in the same namespaces (a sidecar stopped on
// its own, an agent upgrade), so a partition or a paused node process would otherwise outlive every
// lease until some later agent start. Reverting costs milliseconds per fault, well inside Docker's
// 10 s stop grace. SIGKILL (no chance to revert) is what the journal recovery at the next start is for.
// The agent may run as PID 1 of its container, where the kernel gives signals no default action.
const stopDeadlineMs = 8_000;
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    server.close();
    server.closeAllConnections();
    const deadline = setTimeout(() => {
      log.error("reverts did not finish before the stop deadline; the journal keeps the rest", { deadlineMs: stopDeadlineMs });
      process.exit(1);
    }, stopDeadlineMs);
    void faults
      .stop()
      .then((reverted) => {
        for (const r of reverted) log.info("reverted on stop", { id: r.id, kind: r.kind, verified: r.verified, revertMs: Math.round(r.revertMs) });
        clearTimeout(deadline);
        process.exit(reverted.every((r) => r.verified) ? 0 : 1);
      })
      .catch((err: unknown) => {
        log.error("reverting on stop failed; the journal keeps the faults", { detail: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      });
  });
}
