// cert-expiry: the node's certificate and key are replaced by an expired one, or by one from a CA the
// mesh does not trust (valid dates); the node re-reads its files when their mtime changes, so the
// fault takes effect and heals without a restart (node/tls/certificates.ts). The files are reached
// through /proc/<node pid>/root (the shared PID namespace), at the paths the node's own configuration
// names (its environment, parsed by node/config.ts). The originals are kept under the agent's state
// directory (mode 0600) and restored byte for byte. Private keys never appear in evidence or logs:
// evidence names certificates by fingerprint, serial and notAfter.

import "reflect-metadata";
import { createHash, X509Certificate as NodeX509, webcrypto } from "node:crypto";
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as tls from "node:tls";
import * as x509 from "@peculiar/x509";
import { loadConfig } from "../../node/config.ts";
import { type AgentParams, agentParams } from "../params.ts";
import type { Evidence } from "../protocol.ts";
import type { Mechanism, MechanismContext } from "./mechanism.ts";
import { readEnviron, sleep } from "./procfs.ts";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const DAY = 86_400_000;
const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
/** The node polls its files every second; a loaded machine may take a few rounds. */
const reloadTimeoutMs = 8_000;

interface NodeTls {
  /** Distinct certificate/key pairs the node serves (gossip, and transport when it has its own). */
  readonly pairs: { cert: string; key: string }[];
  readonly caPath: string;
  readonly gossip: { host: string; port: number };
}

interface SavedFile {
  /** Path inside the node's filesystem. */
  readonly path: string;
  readonly saved: string;
  readonly sha256: string;
  readonly mode: number;
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const nodeFile = (pid: number, path: string): string => `/proc/${pid}/root${path}`;

function nodeTls(pid: number): NodeTls {
  const environ = readEnviron(pid);
  if (!environ) throw new Error(`cannot read the environment of node process ${pid}`);
  const env = Object.fromEntries(environ.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  const config = loadConfig(env);
  const pairs = [config.gossip.tls, config.transport.tls]
    .map((t) => ({ cert: t.certPath, key: t.keyPath }))
    .filter((p, i, all) => all.findIndex((q) => q.cert === p.cert) === i);
  const host = config.gossip.bindAddress === "0.0.0.0" || config.gossip.bindAddress === "::" ? "127.0.0.1" : config.gossip.bindAddress;
  return { pairs, caPath: config.gossip.tls.caPath, gossip: { host, port: config.gossip.port } };
}

const serial = (): string => Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString("hex").replace(/^[89a-f]/, "1");

/** A leaf with the original's subject and names, issued by a throw-away CA the mesh does not trust. */
async function faultyLeaf(originalPem: string, mode: "expired" | "untrusted", id: string): Promise<{ certPem: string; keyPem: string }> {
  const original = new x509.X509Certificate(originalPem);
  const now = Date.now();
  const caKeys = (await webcrypto.subtle.generateKey(alg, false, ["sign", "verify"])) as CryptoKeyPair;
  const caName = `CN=meshkit-chaos untrusted CA (fault ${id})`;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const san = original.getExtension(x509.SubjectAlternativeNameExtension);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: original.subject,
    issuer: caName,
    notBefore: new Date(mode === "expired" ? now - 3 * DAY : now - DAY),
    notAfter: new Date(mode === "expired" ? now - DAY : now + 30 * DAY),
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      ...(san ? [new x509.SubjectAlternativeNameExtension(san.names.toJSON())] : []),
    ],
  });
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
  return { certPem: cert.toString("pem"), keyPem };
}

/** Replaces a file the way a rotation does (rename), or in place where the file is a bind mount. */
function replaceFile(path: string, content: Buffer | string, mode: number): void {
  const tmp = `${path}.meshkit-tmp`;
  writeFileSync(tmp, content, { mode });
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code !== "EBUSY") throw e;
    writeFileSync(path, content, { mode });
  }
}

interface Served {
  readonly fingerprint256: string;
  readonly serial: string;
  readonly validTo: string;
  /** Verified against the node's CA. */
  readonly authorized: boolean;
  readonly error: string | null;
}

/**
 * One handshake with the node's gossip listener, presenting `client` (the node's original, valid
 * certificate: gossip is mutual TLS) and checking the served certificate against the node's CA.
 */
function handshake(target: NodeTls["gossip"], ca: Buffer, client: { cert: Buffer; key: Buffer }): Promise<Served> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      ca,
      cert: client.cert,
      key: client.key,
      rejectUnauthorized: false, // judged below, so the served certificate can be read either way
      checkServerIdentity: () => undefined, // peers are authenticated by the run CA, not by host name
      timeout: 3_000,
    });
    socket.once("secureConnect", () => {
      const peer = socket.getPeerCertificate();
      const error = socket.authorizationError;
      resolve({
        fingerprint256: peer.fingerprint256,
        serial: peer.serialNumber,
        validTo: peer.valid_to,
        authorized: socket.authorized,
        error: error ? String((error as { code?: string }).code ?? error) : null,
      });
      socket.destroy();
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error(`TLS handshake with ${target.host}:${target.port} timed out`));
    });
    socket.once("error", reject);
  });
}

const describeCert = (pem: string | Buffer): string => {
  const c = new NodeX509(pem);
  return `serial ${c.serialNumber}, notAfter ${c.validTo}, sha256 ${c.fingerprint256}`;
};

/** Handshakes until the node serves the certificate with `fingerprint` (it polls its files). */
async function waitForServed(
  target: NodeTls["gossip"],
  ca: Buffer,
  client: { cert: Buffer; key: Buffer },
  fingerprint: string,
): Promise<Served | undefined> {
  const end = Date.now() + reloadTimeoutMs;
  let last: Served | undefined;
  while (Date.now() < end) {
    last = await handshake(target, ca, client).catch(() => last);
    if (last?.fingerprint256 === fingerprint) return last;
    await sleep(250);
  }
  return last;
}

function readRecorded(ctx: MechanismContext): { files: SavedFile[]; gossip: NodeTls["gossip"] | null; caPath: string | null } {
  const r = ctx.recorded();
  return {
    files: (r.files as SavedFile[] | undefined) ?? [],
    gossip: (r.gossip as NodeTls["gossip"] | undefined) ?? null,
    caPath: (r.caPath as string | undefined) ?? null,
  };
}

export const certSwap: Mechanism<AgentParams<"cert-expiry">> = {
  name: "cert-swap",
  params: agentParams["cert-expiry"],

  check(ctx): string[] {
    const pid = ctx.nodePid();
    if (!ctx.capabilities.pidVisibility.nodeProcessVisible || pid === null) {
      return ["PID visibility: run the sidecar with pid: container:<node> (docker) / shareProcessNamespace: true (kubernetes); the node's certificate files are reached through its /proc/<pid>/root"];
    }
    try {
      const t = nodeTls(pid);
      for (const p of t.pairs) {
        for (const f of [p.cert, p.key]) {
          try {
            accessSync(nodeFile(pid, f), constants.W_OK);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            return [
              code === "EROFS"
                ? `node certificate files: ${f} is on a read-only mount; mount the node's certificates writable (the compose export mounts them :ro)`
                : `node certificate files: ${f}: ${(e as Error).message}`,
            ];
          }
        }
      }
    } catch (e) {
      return [`node certificate files: ${(e as Error).message}`];
    }
    return [];
  },

  async apply(ctx, p): Promise<Evidence> {
    const pid = ctx.nodePid();
    if (pid === null) throw new Error(`node process of ${ctx.nodeId} is not visible`);
    const t = nodeTls(pid);
    const dir = join(ctx.stateDir, `cert-${ctx.tag}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files: SavedFile[] = t.pairs.flatMap((pair, i) =>
      [pair.cert, pair.key].map((path, j) => {
        const content = readFileSync(nodeFile(pid, path));
        const saved = join(dir, `${i}-${j === 0 ? "cert" : "key"}.orig`);
        writeFileSync(saved, content, { mode: 0o600 });
        return { path, saved, sha256: sha256(content), mode: statSync(nodeFile(pid, path)).mode & 0o777 };
      }),
    );
    // Recorded before anything changes: a revert after a crash restores from these copies.
    await ctx.record({ files, gossip: t.gossip, caPath: t.caPath });

    const ca = readFileSync(nodeFile(pid, t.caPath));
    const client = { cert: readFileSync(files[0]!.saved), key: readFileSync(files[1]!.saved) };
    const lines: string[] = [];
    let swappedFingerprint = "";
    for (const [i, pair] of t.pairs.entries()) {
      const original = readFileSync(files[2 * i]!.saved, "utf8");
      const leaf = await faultyLeaf(original, p.mode, ctx.id);
      // Key first: until the certificate follows, the node keeps the previous pair (key mismatch).
      replaceFile(nodeFile(pid, pair.key), leaf.keyPem, files[2 * i + 1]!.mode);
      replaceFile(nodeFile(pid, pair.cert), leaf.certPem, files[2 * i]!.mode);
      if (i === 0) swappedFingerprint = new NodeX509(leaf.certPem).fingerprint256;
      lines.push(`${pair.cert}: ${describeCert(original)} replaced by ${p.mode} ${describeCert(leaf.certPem)}`);
    }
    const served = await waitForServed(t.gossip, ca, client, swappedFingerprint);
    if (!served || served.fingerprint256 !== swappedFingerprint || served.authorized) {
      await certSwap.revert(ctx, p);
      throw new Error(
        `the node at ${t.gossip.host}:${t.gossip.port} did not serve the ${p.mode} certificate within ${reloadTimeoutMs} ms` +
          (served ? ` (served sha256 ${served.fingerprint256}, verification ${served.authorized ? "passed" : served.error})` : " (no handshake)"),
      );
    }
    lines.push(`gossip ${t.gossip.host}:${t.gossip.port} serves serial ${served.serial} (notAfter ${served.validTo}); verification with the run CA fails: ${served.error}`);
    return { lines, measured: { handshakeVerified: 0, servedNotAfterSeconds: Math.floor(Date.parse(served.validTo) / 1000) } };
  },

  async revert(ctx): Promise<Evidence & { verified: boolean }> {
    const { files, gossip, caPath } = readRecorded(ctx);
    if (files.length === 0) return { verified: true, lines: ["no certificate was swapped"], measured: {} };
    const pid = ctx.nodePid();
    if (pid === null) {
      return { verified: false, lines: [`node process of ${ctx.nodeId} is not visible; originals kept in ${dirname(files[0]!.saved)}`], measured: {} };
    }
    const lines: string[] = [];
    let restored = true;
    // Key and certificate of a pair in the order that keeps the node on a consistent pair.
    for (const f of [...files].sort((a, b) => Number(a.saved.endsWith("cert.orig")) - Number(b.saved.endsWith("cert.orig")))) {
      const original = readFileSync(f.saved);
      replaceFile(nodeFile(pid, f.path), original, f.mode);
      const same = sha256(readFileSync(nodeFile(pid, f.path))) === f.sha256;
      restored &&= same;
      lines.push(`${f.path}: original ${same ? "restored byte for byte" : "NOT restored (hash differs)"}${f.saved.endsWith("cert.orig") ? ` (${describeCert(original)})` : ""}`);
    }
    let measured: Record<string, number> = { restored: restored ? 1 : 0 };
    let served: Served | undefined;
    if (gossip && caPath) {
      const certFile = files.find((f) => f.saved.endsWith("0-cert.orig"))!;
      const client = { cert: readFileSync(certFile.saved), key: readFileSync(files.find((f) => f.saved.endsWith("0-key.orig"))!.saved) };
      served = await waitForServed(gossip, readFileSync(nodeFile(pid, caPath)), client, new NodeX509(client.cert).fingerprint256);
      const ok = served?.authorized === true && served.fingerprint256 === new NodeX509(client.cert).fingerprint256;
      lines.push(ok ? `gossip ${gossip.host}:${gossip.port} serves the original again; verification with the run CA passes` : `gossip ${gossip.host}:${gossip.port}: original not served within ${reloadTimeoutMs} ms`);
      measured = { ...measured, handshakeVerified: ok ? 1 : 0 };
      restored &&= ok;
    }
    if (restored) rmSync(dirname(files[0]!.saved), { recursive: true, force: true });
    return { verified: restored, lines, measured };
  },
};
