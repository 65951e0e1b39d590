// Entry point of the fault agent: parse the environment, measure capabilities, serve the API.
// On stdout it prints one ready line (JSON with the bound address) once it accepts requests.

import { release } from "node:os";
import pkg from "../package.json" with { type: "json" };
import { createApiServer } from "./api.ts";
import { bearerChecker } from "./auth.ts";
import { measureCapabilities, measurePidVisibility } from "./capabilities.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { KernelLock } from "./exec.ts";
import { ActiveFaults } from "./faults.ts";
import { createLogger } from "./log.ts";
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
const faults = new ActiveFaults();

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

const metrics = createMetrics({
  faults,
  capabilities: () => lastCapabilities,
  pidVisibility: () => measurePidVisibility(config.nodeProcess).visibility,
});

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

// The agent may run as PID 1 of its container, where the kernel gives signals no default action.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    log.info("stopping", { signal });
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
