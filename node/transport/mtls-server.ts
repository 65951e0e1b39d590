// A mutual-TLS HTTPS listener that follows certificate changes: new handshakes use the new files and
// open connections are closed, so an expired or untrusted certificate takes effect at once.
import * as https from "node:https";
import type { Metrics } from "../metrics.ts";
import type { CertificateSource } from "../tls/certificates.ts";
import { type Handler, listen, serve } from "./http-util.ts";

export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

export async function listenMtls(opts: {
  name: "gossip" | "data" | "registry";
  bindAddress: string;
  port: number;
  certs: CertificateSource;
  metrics: Metrics;
  handler: Handler;
}): Promise<Listener> {
  const { certs, metrics, name } = opts;
  const m = certs.current();
  const server = https.createServer(
    { cert: m.cert, key: m.key, ca: m.ca, requestCert: true, rejectUnauthorized: true, keepAliveTimeout: 30_000 },
    serve(opts.handler),
  );
  metrics.tlsCertificateNotAfter.set({ listener: name }, m.notAfterSeconds);
  server.on("tlsClientError", () => metrics.tlsHandshakeFailures.inc({ listener: name }));
  certs.onChange((next) => {
    server.setSecureContext({ cert: next.cert, key: next.key, ca: next.ca });
    metrics.tlsCertificateNotAfter.set({ listener: name }, next.notAfterSeconds);
    server.closeAllConnections();
  });
  return listen(server, opts.port, opts.bindAddress);
}
