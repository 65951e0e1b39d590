// Data-plane client. It prefers the UDP datagram path; when a datagram goes unanswered it falls back
// to HTTP/2 over TCP, counts the fallback, and keeps using HTTP/2 for that peer for a while before
// trying UDP again. Every HTTP/2 call made instead of UDP counts as a fallback.
import { randomUUID } from "node:crypto";
import * as dgram from "node:dgram";
import * as http2 from "node:http2";
import { transportLabels } from "../../contract/meshkit.ts";
import type { Metrics } from "../metrics.ts";
import { type CertificateSource, isHandshakeError } from "../tls/certificates.ts";
import { signatureHeader, signingKey, verify } from "./signature.ts";
import { maxDatagramBytes, udpResponseSchema, type UdpResponse } from "./udp-protocol.ts";

export interface DataReply {
  readonly status: number;
  readonly body: unknown;
  readonly transport: "udp" | "tcp";
}

export class DataCallError extends Error {}

export interface DataClient {
  call(peer: { nodeId: string; data: string }, path: string, body: unknown, opts?: { tcpOnly?: boolean }): Promise<DataReply>;
  close(): void;
}

const UDP_TIMEOUT_MS = 750;
const UDP_RETRY_AFTER_MS = 10_000;
const CALL_TIMEOUT_MS = 5_000;

export function createDataClient(opts: { certs: CertificateSource; metrics: Metrics; preferUdp: boolean }): DataClient {
  const { certs, metrics } = opts;
  let key = signingKey(certs.current().ca);
  const sessions = new Map<string, http2.ClientHttp2Session>();
  const udpDownUntil = new Map<string, number>();
  const pending = new Map<string, (r: UdpResponse) => void>();
  let udp4: dgram.Socket | undefined;
  let udp6: dgram.Socket | undefined;

  certs.onChange((m) => {
    key = signingKey(m.ca);
    for (const s of sessions.values()) s.destroy();
    sessions.clear();
  });

  const udpSocket = (v6: boolean): dgram.Socket => {
    const existing = v6 ? udp6 : udp4;
    if (existing) return existing;
    const s = dgram.createSocket(v6 ? "udp6" : "udp4");
    s.on("message", (msg) => {
      try {
        const r = udpResponseSchema.parse(JSON.parse(msg.toString("utf8")));
        pending.get(r.id)?.(r);
      } catch {
        // not ours
      }
    });
    s.on("error", () => undefined);
    s.unref();
    if (v6) udp6 = s;
    else udp4 = s;
    return s;
  };

  const split = (addr: string) => {
    const i = addr.lastIndexOf(":");
    return { host: addr.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(addr.slice(i + 1)) };
  };

  const viaUdp = (addr: string, path: string, body: unknown) =>
    new Promise<UdpResponse | undefined>((resolve) => {
      const { host, port } = split(addr);
      const id = randomUUID();
      const payload = JSON.stringify({ id, path, body });
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(undefined);
      }, UDP_TIMEOUT_MS);
      pending.set(id, (r) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(r);
      });
      udpSocket(host.includes(":")).send(payload, port, host, (err) => {
        if (err) {
          clearTimeout(timer);
          pending.delete(id);
          resolve(undefined);
        }
      });
    });

  const session = (addr: string): http2.ClientHttp2Session => {
    const cur = sessions.get(addr);
    if (cur && !cur.closed && !cur.destroyed) return cur;
    const m = certs.current();
    const { host, port } = split(addr);
    const s = http2.connect(`https://${host.includes(":") ? `[${host}]` : host}:${port}`, {
      cert: m.cert,
      key: m.key,
      ca: m.ca,
      checkServerIdentity: () => undefined,
    });
    s.on("error", (e) => {
      if (isHandshakeError(e)) metrics.tlsHandshakeFailures.inc({ listener: "data" });
    });
    s.on("close", () => {
      if (sessions.get(addr) === s) sessions.delete(addr);
    });
    // Idle sessions go: with 50+ peers an open HTTP/2 session per peer costs more memory than a handshake.
    s.setTimeout(10_000, () => s.close());
    s.unref();
    sessions.set(addr, s);
    return s;
  };

  const viaHttp2 = (addr: string, path: string, body: unknown) =>
    new Promise<{ status: number; text: string; sig: string | undefined }>((resolve, reject) => {
      let s: http2.ClientHttp2Session;
      try {
        s = session(addr);
      } catch (e) {
        reject(e as Error);
        return;
      }
      const req = s.request({ ":method": "POST", ":path": path, "content-type": "application/json" });
      req.setTimeout(CALL_TIMEOUT_MS, () => req.close(http2.constants.NGHTTP2_CANCEL));
      let status = 0;
      let sig: string | undefined;
      const chunks: Buffer[] = [];
      req.on("response", (h) => {
        status = Number(h[":status"]);
        const v = h[signatureHeader];
        sig = Array.isArray(v) ? v[0] : v;
      });
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve({ status, text: Buffer.concat(chunks).toString("utf8"), sig }));
      req.on("error", (e) => reject(e));
      req.on("close", () => {
        if (status === 0) reject(new DataCallError(`HTTP/2 call to ${addr}${path} closed without a response`));
      });
      req.end(JSON.stringify(body));
    });

  const checked = (peer: { nodeId: string }, status: number, text: string, sig: string | undefined, transport: "udp" | "tcp"): DataReply => {
    if (!verify(key, text, sig)) {
      metrics.signatureFailures.inc({ rpc_peer: peer.nodeId });
      throw new DataCallError(`response of ${peer.nodeId} has an invalid signature`);
    }
    return { status, body: text ? (JSON.parse(text) as unknown) : null, transport };
  };

  return {
    async call(peer, path, body, o) {
      const small = JSON.stringify(body).length < maxDatagramBytes;
      const wantUdp = opts.preferUdp && !o?.tcpOnly && small;
      if (wantUdp && (udpDownUntil.get(peer.data) ?? 0) <= performance.now()) {
        const r = await viaUdp(peer.data, path, body);
        if (r) {
          udpDownUntil.delete(peer.data);
          return checked(peer, r.status, r.body, r.sig, "udp");
        }
        udpDownUntil.set(peer.data, performance.now() + UDP_RETRY_AFTER_MS);
      }
      if (wantUdp) metrics.httpClientFallbacks.inc({ http_observed_protocol: transportLabels.fallbackObservedProtocol });
      const r = await viaHttp2(peer.data, path, body);
      return checked(peer, r.status, r.text, r.sig, "tcp");
    },
    close() {
      for (const s of sessions.values()) s.destroy();
      udp4?.close();
      udp6?.close();
    },
  };
}
