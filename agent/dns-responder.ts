// A small DNS responder for the dns-failure fault: listens on 127.0.0.1 (UDP and TCP, one port) where
// the fault's nat rule redirects the node's queries. Names matching a pattern get NXDOMAIN or SERVFAIL,
// or no answer at all (timeout); every other query is forwarded unchanged to the real resolver from one
// UDP socket whose source port the redirect rule exempts, so forwarded queries are not caught again.

import * as dgram from "node:dgram";
import * as net from "node:net";
import dnsPacket from "dns-packet";

export const dnsFailureModes = ["nxdomain", "servfail", "timeout"] as const;
export type DnsFailureMode = (typeof dnsFailureModes)[number];

const rcodeOf = { nxdomain: 3, servfail: 2 } as const;
const FORWARD_TIMEOUT_MS = 5000;
/** A silent TCP connection (timeout mode) is closed after this, long past any resolver's timeout. */
const SILENT_TCP_MS = 30_000;

/** `*` matches any run of characters (dots included); case-insensitive; a trailing dot is ignored. */
export function namePattern(glob: string): RegExp {
  const body = glob
    .replace(/\.$/, "")
    .split("*")
    .map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "i");
}

export interface ResponderCounts {
  /** Queries for a matching name, answered with the failure (or dropped, for timeout). */
  matched: number;
  forwarded: number;
  /** Answers of the upstream relayed back to a client. */
  relayed: number;
}

export interface ResponderOptions {
  readonly mode: DnsFailureMode;
  readonly names: readonly string[];
  /** The real resolver, e.g. 127.0.0.11:53 (Docker's embedded DNS) or the resolv.conf nameserver. */
  readonly upstream: { readonly host: string; readonly port: number };
}

interface Pending {
  readonly reply: (answer: Buffer) => void;
  readonly originalId: number;
  readonly timer: NodeJS.Timeout;
}

export class DnsResponder {
  readonly counts: ResponderCounts = { matched: 0, forwarded: 0, relayed: 0 };
  readonly #o: ResponderOptions;
  readonly #patterns: RegExp[];
  #udp: dgram.Socket | undefined;
  readonly #upstream = dgram.createSocket("udp4");
  #tcp: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  readonly #pending = new Map<number, Pending>();
  #nextId = Math.floor(Math.random() * 0x10000);
  #listenPort = 0;
  #upstreamPort = 0;

  constructor(o: ResponderOptions) {
    this.#o = o;
    this.#patterns = o.names.map(namePattern);
  }

  /** Where the redirect rule sends queries. */
  get listenPort(): number {
    return this.#listenPort;
  }

  /** Source port of forwarded queries, which the redirect rule exempts. */
  get upstreamPort(): number {
    return this.#upstreamPort;
  }

  matches(name: string): boolean {
    const n = name.replace(/\.$/, "");
    return this.#patterns.some((p) => p.test(n));
  }

  async start(): Promise<void> {
    this.#upstream.on("message", (msg) => this.#relay(msg));
    this.#upstream.on("error", () => undefined);
    await bind(this.#upstream, 0, "0.0.0.0");
    this.#upstreamPort = this.#upstream.address().port;
    // UDP and TCP on one port number: take a free TCP port, then the same number for UDP.
    for (let attempt = 1; ; attempt++) {
      const tcp = net.createServer((s) => this.#serveTcp(s));
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(0, "127.0.0.1", () => resolve());
      });
      const port = (tcp.address() as net.AddressInfo).port;
      const udp = dgram.createSocket("udp4");
      try {
        await bind(udp, port, "127.0.0.1");
      } catch (e) {
        udp.close();
        tcp.close();
        if (attempt >= 10) throw new Error(`no port free for both UDP and TCP on 127.0.0.1 after 10 tries: ${(e as Error).message}`);
        continue;
      }
      udp.on("message", (msg, from) => this.#handle(msg, (answer) => udp.send(answer, from.port, from.address)));
      udp.on("error", () => undefined);
      this.#tcp = tcp;
      this.#udp = udp;
      this.#listenPort = port;
      return;
    }
  }

  async close(): Promise<void> {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
    for (const s of this.#sockets) s.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.#tcp ? this.#tcp.close(() => r()) : r())),
      new Promise<void>((r) => (this.#udp ? this.#udp.close(() => r()) : r())),
      new Promise<void>((r) => this.#upstream.close(() => r())),
    ]);
  }

  #handle(msg: Buffer, reply: (answer: Buffer) => void): void {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: nothing sensible to answer
    }
    const name = query.questions?.[0]?.name;
    if (name !== undefined && this.matches(name)) {
      this.counts.matched++;
      if (this.#o.mode === "timeout") return;
      const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
      reply(
        dnsPacket.encode({
          type: "response",
          id: query.id ?? 0,
          flags: rd | dnsPacket.RECURSION_AVAILABLE | rcodeOf[this.#o.mode],
          questions: query.questions ?? [],
        }),
      );
      return;
    }
    // Forward with an id of our own, so answers find their client even when two clients reuse an id.
    const id = this.#nextId++ & 0xffff;
    clearTimeout(this.#pending.get(id)?.timer); // 65536 queries ago: long timed out
    const timer = setTimeout(() => this.#pending.delete(id), FORWARD_TIMEOUT_MS);
    this.#pending.set(id, { reply, originalId: msg.readUInt16BE(0), timer });
    const out = Buffer.from(msg);
    out.writeUInt16BE(id, 0);
    this.counts.forwarded++;
    this.#upstream.send(out, this.#o.upstream.port, this.#o.upstream.host);
  }

  #relay(answer: Buffer): void {
    if (answer.length < 12) return;
    const p = this.#pending.get(answer.readUInt16BE(0));
    if (!p) return;
    this.#pending.delete(answer.readUInt16BE(0));
    clearTimeout(p.timer);
    const out = Buffer.from(answer);
    out.writeUInt16BE(p.originalId, 0);
    this.counts.relayed++;
    p.reply(out);
  }

  /** DNS over TCP: two-byte length, then the message; answers go back the same way. */
  #serveTcp(s: net.Socket): void {
    this.#sockets.add(s);
    s.on("close", () => this.#sockets.delete(s));
    s.on("error", () => undefined);
    s.setTimeout(SILENT_TCP_MS, () => s.destroy());
    let buf = Buffer.alloc(0);
    s.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        this.#handle(Buffer.from(msg), (answer) => {
          const len = Buffer.alloc(2);
          len.writeUInt16BE(answer.length);
          if (!s.destroyed) s.write(Buffer.concat([len, answer]));
        });
      }
    });
  }
}

function bind(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, address, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}
