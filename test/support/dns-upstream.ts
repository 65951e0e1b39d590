// A tiny authoritative DNS server for tests, playing the resolver a node normally uses (Docker's
// embedded DNS, or a resolv.conf nameserver): A records from the command line, NXDOMAIN for the rest,
// over UDP and TCP on one address. Run inside a test's network namespace:
//   node --import tsx test/support/dns-upstream.ts 127.0.0.11:40053 node-1=192.0.2.11 registry=192.0.2.12
// Prints `{"ready":true}` once both sockets listen; every answer is logged as one JSON line on stderr.
import * as dgram from "node:dgram";
import * as net from "node:net";
import dnsPacket from "dns-packet";

const [listen, ...entries] = process.argv.slice(2);
const m = /^(.+):(\d+)$/.exec(listen ?? "");
if (!m) {
  process.stderr.write("usage: dns-upstream.ts HOST:PORT name=ipv4...\n");
  process.exit(2);
}
const [host, port] = [m[1]!, Number(m[2])];
const records = new Map(entries.map((e) => e.split("=") as [string, string]).map(([n, ip]) => [n.toLowerCase(), ip]));

function answer(msg: Buffer): Buffer | null {
  let q: dnsPacket.DecodedPacket;
  try {
    q = dnsPacket.decode(msg);
  } catch {
    return null;
  }
  const question = q.questions?.[0];
  const ip = question ? records.get(question.name.toLowerCase().replace(/\.$/, "")) : undefined;
  process.stderr.write(`${JSON.stringify({ name: question?.name, type: question?.type, answer: ip ?? "NXDOMAIN" })}\n`);
  return dnsPacket.encode({
    type: "response",
    id: q.id ?? 0,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (ip === undefined ? 3 : 0),
    questions: q.questions ?? [],
    answers: ip !== undefined && question?.type === "A" ? [{ type: "A", name: question.name, ttl: 5, data: ip }] : [],
  });
}

const udp = dgram.createSocket("udp4");
udp.on("message", (msg, from) => {
  const a = answer(msg);
  if (a) udp.send(a, from.port, from.address);
});
const tcp = net.createServer((s) => {
  let buf = Buffer.alloc(0);
  s.on("error", () => undefined);
  s.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const a = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      buf = buf.subarray(2 + buf.readUInt16BE(0));
      if (a) s.write(Buffer.concat([Buffer.from([a.length >> 8, a.length & 0xff]), a]));
    }
  });
});
udp.bind(port, host, () => tcp.listen(port, host, () => process.stdout.write(`${JSON.stringify({ ready: true })}\n`)));
process.on("SIGTERM", () => process.exit(0));
