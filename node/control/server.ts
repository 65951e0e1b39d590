// The control/diagnostics listener (plain HTTP): health, readiness, drain, metrics and chaos toggles
// common to both roles, plus the role's own /control/* routes.
import * as http from "node:http";
import { paths } from "../../contract/meshkit.ts";
import { clock } from "../clock.ts";
import type { Metrics } from "../metrics.ts";
import { type Handler, listen, route, sendJson, serve } from "../transport/http-util.ts";
import type { ChaosToggles } from "./chaos.ts";

export interface Health {
  /** Problems that make the process not ready (empty when ready). */
  readinessIssues: () => string[];
  readonly activeRequests: { value: number };
  draining: boolean;
  drainedAt: string | null;
}

export interface ControlServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startControlServer(o: {
  bindAddress: string;
  port: number;
  metrics: Metrics;
  chaos: ChaosToggles;
  health: Health;
  routes: Record<string, Handler>;
}): Promise<ControlServer> {
  const { health } = o;
  const healthBody = (mode: "live" | "ready", issues: string[]) => ({
    status: issues.length === 0 ? "ok" : "unavailable",
    mode,
    issues,
    activeRequests: health.activeRequests.value,
    draining: health.draining,
  });
  const upgradeState = () => ({
    draining: health.draining,
    since: health.drainedAt,
    activeRequests: health.activeRequests.value,
  });
  const handler = route(
    {
      ...o.routes,
      [`GET ${paths.healthz}`]: (_q, res) => sendJson(res, 200, healthBody("live", [])),
      [`GET ${paths.readyz}`]: (_q, res) => {
        const issues = [...(health.draining ? ["draining"] : []), ...health.readinessIssues()];
        sendJson(res, issues.length === 0 ? 200 : 503, healthBody("ready", issues));
      },
      [`GET ${paths.upgrade}`]: (_q, res) => sendJson(res, 200, upgradeState()),
      [`POST ${paths.upgradeDrain}`]: (_q, res) => {
        if (!health.draining) health.drainedAt = clock.iso();
        health.draining = true;
        sendJson(res, 200, upgradeState());
      },
      [`POST ${paths.upgradeResume}`]: (_q, res) => {
        health.draining = false;
        health.drainedAt = null;
        sendJson(res, 200, upgradeState());
      },
      [`GET ${paths.metrics}`]: async (_q, res) => {
        const text = await o.metrics.registry.metrics();
        res.writeHead(200, { "content-type": o.metrics.registry.contentType });
        res.end(text);
      },
    },
    async (req, res, url) => {
      if (url.pathname.startsWith(paths.chaosPrefix)) return o.chaos.serve(req, res, url);
      sendJson(res, 404, { error: `not found: ${req.method} ${url.pathname}` });
    },
  );
  const server = http.createServer(serve(handler));
  server.keepAliveTimeout = 30_000;
  return listen(server, o.port, o.bindAddress);
}
