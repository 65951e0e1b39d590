// Data-plane listeners: TLS with HTTP/2 and HTTP/1.1 by ALPN (mutual TLS with the transport
// certificates), and a UDP datagram path on the same port number that clients prefer.
import * as dgram from "node:dgram";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { chaosNames } from "../../contract/meshkit.ts";
import type { ChaosToggles } from "../control/chaos.ts";
import type { Metrics } from "../metrics.ts";
import type { CertificateSource } from "../tls/certificates.ts";
import { HttpError, readBody } from "./http-util.ts";
import type { RpcCore } from "./rpc.ts";
import { signatureHeader } from "./signature.ts";
import { udpRequestSchema, type UdpResponse } from "./udp-protocol.ts";

export interface DataServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startDataServer(opts: {
  bindAddress: string;
  port: number;
  udp: boolean;
  certs: CertificateSource;
  metrics: Metrics;
  chaos: ChaosToggles;
  rpc: RpcCore;
}): Promise<DataServer> {
  const { certs, metrics, rpc } = opts;
  const m = certs.current();
  const sockets = new Set<TLSSocket>();
  const server = http2.createSecureServer({
    cert: m.cert,
    key: m.key,
    ca: m.ca,
    requestCert: true,
    rejectUnauthorized: true,
    allowHTTP1: true,
  });
  metrics.tlsCertificateNotAfter.set({ listener: "data" }, m.notAfterSeconds);
  server.on("secureConnection", (s: TLSSocket) => {
    if (closing) s.destroy();
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  let closing = false;
  server.on("session", (session: http2.ServerHttp2Session) => {
    // A handshake that was in flight when close() began completes afterwards: end it too.
    if (closing) session.destroy();
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.on("tlsClientError", () => metrics.tlsHandshakeFailures.inc({ listener: "data" }));
  certs.onChange((next) => {
    server.setSecureContext({ cert: next.cert, key: next.key, ca: next.ca });
    metrics.tlsCertificateNotAfter.set({ listener: "data" }, next.notAfterSeconds);
    for (const s of sessions) s.destroy();
    for (const s of sockets) s.destroy();
  });
  server.on("request", (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    void (async () => {
      let body: unknown = {};
      try {
        const text = await readBody(req, 256 * 1024);
        body = text ? JSON.parse(text) : {};
      } catch (e) {
        res.writeHead(e instanceof HttpError ? e.status : 400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "body is not valid JSON" }));
        return;
      }
      const path = new URL(req.url, "https://local").pathname;
      const r = await rpc.handle(path, body, req.httpVersion === "2.0" ? "http2" : "http1");
      res.writeHead(r.status, { "content-type": "application/json", [signatureHeader]: r.signature, ...r.headers });
      res.end(r.body);
    })().catch(() => res.destroy());
  });
  server.on("sessionError", () => undefined);
  server.setTimeout(15_000);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.bindAddress, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let udp: dgram.Socket | undefined;
  if (opts.udp) {
    const sock = dgram.createSocket({ type: opts.bindAddress.includes(":") ? "udp6" : "udp4" });
    sock.on("message", (msg, rinfo) => {
      if (opts.chaos.get(chaosNames.udpBlackhole)) return;
      let req;
      try {
        req = udpRequestSchema.parse(JSON.parse(msg.toString("utf8")));
      } catch {
        return;
      }
      void rpc.handle(req.path, req.body, "udp").then((r) => {
        const out: UdpResponse = { id: req.id, status: r.status, body: r.body, sig: r.signature };
        sock.send(JSON.stringify(out), rinfo.port, rinfo.address);
      });
    });
    sock.on("error", () => undefined);
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(port, opts.bindAddress, () => resolve());
    });
    udp = sock;
  }

  return {
    port,
    close: async () => {
      udp?.close();
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
