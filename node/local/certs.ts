// Throw-away certificates for loopback meshes (mesh:local, tests, benchmarks): a run CA and leaves
// for localhost/127.0.0.1 usable as server and client certificates. Never used by the node itself.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;

export interface Ca {
  readonly certPem: string;
  readonly keys: CryptoKeyPair;
  readonly cert: x509.X509Certificate;
}

export interface LeafFiles {
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath: string;
}

const keyPem = async (key: CryptoKey): Promise<string> =>
  x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");

const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString("hex").replace(/^[89a-f]/, "1");

export async function createCa(name = "meshkit-chaos local CA"): Promise<Ca> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certPem: cert.toString("pem"), keys, cert };
}

/** A leaf for `name`; `expired` gives one whose validity ended yesterday. */
export async function createLeaf(
  ca: Ca,
  name: string,
  opts: { expired?: boolean; hosts?: string[] } = {},
): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const hosts = opts.hosts ?? ["localhost", "127.0.0.1"];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${name}`,
    issuer: ca.cert.subject,
    notBefore: new Date(opts.expired ? now - 3 * DAY : now - DAY),
    notAfter: new Date(opts.expired ? now - DAY : now + 30 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: "ip" as const, value: h } : { type: "dns" as const, value: h })),
      ),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

/** Writes a leaf and the CA into `dir` atomically per file (rename), as a rotation would. */
export function writeLeaf(dir: string, leaf: { certPem: string; keyPem: string }, caPem: string): LeafFiles {
  mkdirSync(dir, { recursive: true });
  const files = { certPath: join(dir, "tls.crt"), keyPath: join(dir, "tls.key"), caPath: join(dir, "ca.crt") };
  const put = (path: string, text: string, mode = 0o644) => {
    writeFileSync(`${path}.tmp`, text, { mode });
    renameSync(`${path}.tmp`, path);
  };
  put(files.caPath, caPem);
  put(files.keyPath, leaf.keyPem, 0o600);
  put(files.certPath, leaf.certPem);
  return files;
}
