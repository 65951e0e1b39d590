// The agent's HTTP API (endpoints listed in agent/protocol.ts). Health and metrics are open: health
// says only that the agent runs and which node it serves (container health checks cannot carry the
// per-run token), and metrics are read-only numbers that Prometheus scrapes from the environment
// network, like any exporter's; keeping the token out of Prometheus also keeps Prometheus unchanged
// when a new run rotates the token. Everything that reveals or changes kernel state (capabilities,
// faults) needs the bearer token.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { AuthResult } from "./auth.ts";
import { agentApi } from "./contract.ts";
import type { FaultManager, Outcome } from "./faults.ts";
import type { Logger } from "./log.ts";
import type { Capabilities, ErrorBody, HealthBody } from "./protocol.ts";

export interface ApiDeps {
  readonly nodeId: string;
  readonly version: string;
  readonly startedAt: number;
  readonly authorize: (authorization: string | undefined) => AuthResult;
  /** Runs the probes again and returns a fresh measurement. */
  readonly measureCapabilities: () => Promise<Capabilities>;
  readonly faults: FaultManager;
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

const outcome = (o: Outcome<unknown>): Reply => (o.ok ? json(o.status, o.value) : json(o.status, o.error));

/** Apply bodies are small JSON documents; anything larger is a mistake or an attack. */
const maxBodyBytes = 64 * 1024;

class BodyError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, detail: string) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new BodyError(413, "body_too_large", `request body over ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new BodyError(400, "invalid_request", "expected a JSON body (content-type: application/json)");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BodyError(400, "invalid_json", `the body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

type Handler = (req: IncomingMessage, params: readonly string[]) => Promise<Reply>;

interface Route {
  /** Matched against the whole path; capture groups become `params`. */
  readonly pattern: RegExp;
  readonly label: string;
  readonly open: boolean;
  readonly methods: Readonly<Partial<Record<string, Handler>>>;
}

const exact = (path: string): RegExp => new RegExp(`^${path.replace(/[/.]/g, "\\$&")}$`);

export function createApiServer(deps: ApiDeps): Server {
  const { paths } = agentApi;
  const faultPath = `${paths.faults}/{id}`;
  const routes: readonly Route[] = [
    {
      pattern: exact(paths.health),
      label: paths.health,
      open: true,
      methods: {
        GET: async () =>
          json(200, { status: "ok", nodeId: deps.nodeId, version: deps.version, uptimeSeconds: (Date.now() - deps.startedAt) / 1000 } satisfies HealthBody),
      },
    },
    { pattern: exact(paths.capabilities), label: paths.capabilities, open: false, methods: { GET: async () => json(200, await deps.measureCapabilities()) } },
    {
      pattern: exact(paths.faults),
      label: paths.faults,
      open: false,
      methods: {
        GET: async () => json(200, deps.faults.list()),
        POST: async (req) => outcome(await deps.faults.apply(await readJson(req))),
      },
    },
    {
      pattern: new RegExp(`^${paths.faults}/([^/]+)$`),
      label: faultPath,
      open: false,
      methods: { DELETE: async (_req, [id]) => outcome(await deps.faults.revert(id!)) },
    },
    {
      pattern: new RegExp(`^${paths.faults}/([^/]+)/renew$`),
      label: `${faultPath}/renew`,
      open: false,
      methods: { POST: async (req, [id]) => outcome(await deps.faults.renew(id!, await readJson(req))) },
    },
    {
      pattern: exact(paths.metrics),
      label: paths.metrics,
      open: true,
      methods: { GET: async () => ({ status: 200, body: await deps.metrics.metrics(), contentType: deps.metrics.contentType }) },
    },
  ];

  const dispatch = async (req: IncomingMessage): Promise<Reply & { allow?: string }> => {
    const path = new URL(req.url ?? "/", "http://agent").pathname;
    const found = routes.map((r) => ({ route: r, match: r.pattern.exec(path) })).find((m) => m.match !== null);
    if (!found?.match) return fail(404, "not_found", `no endpoint ${path}; endpoints: ${routes.map((r) => r.label).join(", ")}`);
    const { route, match } = found;
    const handler = route.methods[req.method ?? "GET"];
    const allow = Object.keys(route.methods).join(", ");
    if (!handler) return { ...fail(405, "method_not_allowed", `${route.label} accepts ${allow} only`), allow };
    if (!route.open) {
      const auth = deps.authorize(req.headers.authorization);
      if (!auth.ok) {
        deps.log.warn("unauthorized request", { path, method: req.method, remote: req.socket.remoteAddress });
        return fail(401, "unauthorized", auth.detail);
      }
    }
    let params: string[];
    try {
      params = match.slice(1).map((s) => decodeURIComponent(s));
    } catch {
      return fail(400, "invalid_request", `${path}: malformed percent-encoding in the path`);
    }
    try {
      return await handler(req, params);
    } catch (err) {
      if (err instanceof BodyError) return fail(err.status, err.code, err.message);
      throw err;
    }
  };

  return createServer((req, res: ServerResponse) => {
    dispatch(req)
      .catch((err: unknown): Reply => {
        const detail = err instanceof Error ? err.message : String(err);
        deps.log.error("request failed", { path: req.url, detail });
        return fail(500, "internal", detail);
      })
      .then((reply: Reply & { allow?: string }) => {
        req.resume(); // a body nobody read (GET with a body, a refused request) must not stall the socket
        const headers: Record<string, string> = { "content-type": reply.contentType, "cache-control": "no-store" };
        if (reply.status === 401) headers["www-authenticate"] = 'Bearer realm="meshkit-agent"';
        if (reply.allow) headers.allow = reply.allow;
        res.writeHead(reply.status, headers).end(reply.body);
      });
  });
}
