// JSON over mutual-TLS HTTPS to peers (gossip and the registry API). Peers are authenticated by the
// run CA chain, not by host name: seeds may be IPs, container names or aliases that a certificate
// does not list. The agent is rebuilt when certificates change so new handshakes use the new files.
import * as https from "node:https";
import type { CertificateSource } from "../tls/certificates.ts";
import { isHandshakeError } from "../tls/certificates.ts";

export class PeerRequestError extends Error {
  readonly handshake: boolean;
  readonly status?: number;

  constructor(message: string, handshake: boolean, status?: number) {
    super(message);
    this.handshake = handshake;
    this.status = status;
  }
}

export interface PeerClient {
  postJson<T>(hostPort: string, path: string, body: unknown, timeoutMs: number): Promise<T>;
  getJson<T>(hostPort: string, path: string, timeoutMs: number): Promise<T>;
  /** Drops pooled connections (after a certificate change, or when a peer is cut off). */
  reset(): void;
  close(): void;
}

export function createPeerClient(certs: CertificateSource, onHandshakeFailure: () => void): PeerClient {
  const makeAgent = () => {
    const m = certs.current();
    return new https.Agent({
      keepAlive: true,
      keepAliveMsecs: 10_000,
      maxSockets: 4,
      maxFreeSockets: 1,
      // Below the servers' keep-alive timeout, so a pooled socket is not reused as the server closes it.
      timeout: 20_000,
      cert: m.cert,
      key: m.key,
      ca: m.ca,
      checkServerIdentity: () => undefined,
    });
  };
  let agent = makeAgent();
  certs.onChange(() => {
    agent.destroy();
    agent = makeAgent();
  });

  const request = <T>(method: string, hostPort: string, path: string, body: unknown, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const idx = hostPort.lastIndexOf(":");
      const host = hostPort.slice(0, idx).replace(/^\[|\]$/g, "");
      const port = Number(hostPort.slice(idx + 1));
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        {
          host,
          port,
          path,
          method,
          agent,
          timeout: timeoutMs,
          headers: payload
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) => reject(new PeerRequestError(e.message, false)));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              reject(new PeerRequestError(`${method} ${hostPort}${path}: HTTP ${status} ${text.slice(0, 200)}`, false, status));
              return;
            }
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch {
              reject(new PeerRequestError(`${method} ${hostPort}${path}: response is not JSON`, false, status));
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on("error", (e) => {
        const handshake = isHandshakeError(e);
        if (handshake) onHandshakeFailure();
        reject(new PeerRequestError(`${method} ${hostPort}${path}: ${e.message}`, handshake));
      });
      req.end(payload);
    });

  return {
    postJson: (h, p, b, t) => request("POST", h, p, b, t),
    getJson: (h, p, t) => request("GET", h, p, undefined, t),
    reset: () => {
      agent.destroy();
      agent = makeAgent();
    },
    close: () => agent.destroy(),
  };
}
