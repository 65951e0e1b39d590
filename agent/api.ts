// The agent's HTTP API. Health and metrics are open: health says only that the agent runs and which
// node it serves (container health checks cannot carry the per-run token), and metrics are read-only
// numbers that Prometheus scrapes from the environment network, like any exporter's; keeping the token
// out of Prometheus also keeps Prometheus unchanged when a new run rotates the token. Everything that
// reveals or changes kernel state (capabilities, faults) needs the bearer token.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { AuthResult } from "./auth.ts";
import { agentApi } from "./contract.ts";
import type { ActiveFaults } from "./faults.ts";
import type { Logger } from "./log.ts";
import type { Capabilities, ErrorBody, FaultsBody, HealthBody } from "./protocol.ts";

export interface ApiDeps {
  readonly nodeId: string;
  readonly version: string;
  readonly startedAt: number;
  readonly authorize: (authorization: string | undefined) => AuthResult;
  /** Runs the probes again and returns a fresh measurement. */
  readonly measureCapabilities: () => Promise<Capabilities>;
  readonly faults: ActiveFaults;
  readonly metrics: Registry;
  readonly log: Logger;
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

const json = (status: number, value: unknown): Reply => ({
  status,
  body: `${JSON.stringify(value)}\n`,
  contentType: "application/json; charset=utf-8",
});

const fail = (status: number, error: string, detail: string): Reply => json(status, { error, detail } satisfies ErrorBody);

interface Route {
  readonly open: boolean;
  readonly handle: () => Promise<Reply>;
}

export function createApiServer(deps: ApiDeps): Server {
  const routes: ReadonlyMap<string, Route> = new Map<string, Route>([
    [
      agentApi.paths.health,
      {
        open: true,
        handle: async () =>
          json(200, {
            status: "ok",
            nodeId: deps.nodeId,
            version: deps.version,
            uptimeSeconds: (Date.now() - deps.startedAt) / 1000,
          } satisfies HealthBody),
      },
    ],
    [agentApi.paths.capabilities, { open: false, handle: async () => json(200, await deps.measureCapabilities()) }],
    [
      agentApi.paths.faults,
      { open: false, handle: async () => json(200, { faults: deps.faults.list().map((f) => ({ ...f })) } satisfies FaultsBody) },
    ],
    [
      agentApi.paths.metrics,
      {
        open: true,
        handle: async () => ({ status: 200, body: await deps.metrics.metrics(), contentType: deps.metrics.contentType }),
      },
    ],
  ]);

  const dispatch = async (req: IncomingMessage): Promise<Reply> => {
    const path = new URL(req.url ?? "/", "http://agent").pathname;
    const route = routes.get(path);
    if (!route) return fail(404, "not_found", `no endpoint ${path}; endpoints: ${[...routes.keys()].join(", ")}`);
    if (req.method !== "GET") return fail(405, "method_not_allowed", `${path} accepts GET only`);
    if (!route.open) {
      const auth = deps.authorize(req.headers.authorization);
      if (!auth.ok) {
        deps.log.warn("unauthorized request", { path, remote: req.socket.remoteAddress });
        return fail(401, "unauthorized", auth.detail);
      }
    }
    return route.handle();
  };

  return createServer((req, res: ServerResponse) => {
    req.resume();
    dispatch(req)
      .catch((err: unknown) => {
        const detail = err instanceof Error ? err.message : String(err);
        deps.log.error("request failed", { path: req.url, detail });
        return fail(500, "internal", detail);
      })
      .then((reply) => {
        const headers: Record<string, string> = { "content-type": reply.contentType, "cache-control": "no-store" };
        if (reply.status === 401) headers["www-authenticate"] = 'Bearer realm="meshkit-agent"';
        if (reply.status === 405) headers.allow = "GET";
        res.writeHead(reply.status, headers).end(reply.body);
      });
  });
}
