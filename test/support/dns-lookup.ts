// Resolves names the way processes in a namespace do, and prints one JSON object: for each name, the
// result of getaddrinfo (`dns.lookup`, what the reference node uses), of c-ares (`dns.Resolver`, UDP,
// one try of 800 ms) against the resolv.conf nameservers, and of one raw query over TCP. Run inside a
// test's network namespace (`ip netns exec NS node --import tsx test/support/dns-lookup.ts NAME...`).
import * as dns from "node:dns";
import * as net from "node:net";
import dnsPacket from "dns-packet";

const TIMEOUT_MS = 800;

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

async function viaTcp(server: string, name: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(53, server);
    const timer = setTimeout(() => {
      s.destroy();
      resolve("timeout");
    }, TIMEOUT_MS);
    let buf = Buffer.alloc(0);
    s.on("error", (e) => {
      clearTimeout(timer);
      resolve(code(e));
    });
    s.on("connect", () => s.write(dnsPacket.streamEncode({ type: "query", id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name }] })));
    s.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      clearTimeout(timer);
      s.destroy();
      const a = dnsPacket.streamDecode(buf) as dnsPacket.DecodedPacket & { rcode?: string };
      const ips = (a.answers ?? []).flatMap((r) => (r.type === "A" ? [r.data] : []));
      resolve(a.rcode === "NOERROR" ? ips.join(",") : (a.rcode ?? "?"));
    });
  });
}

const resolver = new dns.promises.Resolver({ timeout: TIMEOUT_MS, tries: 1 });
const server = dns.getServers()[0]!;
const out: Record<string, { lookup: string; resolver: string; tcp: string }> = {};
await Promise.all(
  process.argv.slice(2).map(async (name) => {
    const [lookup, res, tcp] = await Promise.all([
      dns.promises.lookup(name, { family: 4 }).then((r) => r.address, code),
      resolver.resolve4(name).then((ips) => ips.join(","), code),
      viaTcp(server, name),
    ]);
    out[name] = { lookup, resolver: res, tcp };
  }),
);
process.stdout.write(`${JSON.stringify({ server, results: out })}\n`);
