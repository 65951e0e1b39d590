// Small helpers shared by the HTTP(S) listeners: bounded JSON bodies and JSON replies.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Server } from "node:net";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { z } from "zod";

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function readBody(req: Req, limit = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a JSON body with a zod schema; 400 naming the field on failure. */
export async function readJson<S extends z.ZodType>(req: Req, schema: S): Promise<z.infer<S>> {
  const text = await readBody(req);
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, "body is not valid JSON");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new HttpError(400, `${i?.path.join(".") || "body"}: ${i?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  (res as ServerResponse).writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: Res, e: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const status = e instanceof HttpError ? e.status : 500;
  sendJson(res, status, { error: (e as Error)?.message ?? String(e) });
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

/** Exact-path router: `"GET /x"` → handler; 404/405 otherwise. */
export function route(table: Record<string, Handler>, fallback?: Handler): Handler {
  return async (req, res, url) => {
    const h = table[`${req.method} ${url.pathname}`];
    if (h) return h(req, res, url);
    if (fallback) return fallback(req, res, url);
    const known = Object.keys(table).some((k) => k.endsWith(` ${url.pathname}`));
    sendJson(res, known ? 405 : 404, { error: `${known ? "method not allowed" : "not found"}: ${req.method} ${url.pathname}` });
  };
}

export const serve =
  (handler: Handler) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://local");
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((e: unknown) => sendError(res, e));
  };

/** A listening server: its port (useful when bound to 0) and a close that drops kept-alive connections. */
export interface Listening {
  readonly port: number;
  readonly close: () => Promise<void>;
}

type Listenable = Server & { closeAllConnections?: () => void };

export async function listen(server: Listenable, port: number, bindAddress: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, bindAddress, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
