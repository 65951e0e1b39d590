// Toolchain smoke test through the Automation API inline path: the Node.js
// language runtime is served in-process, so this needs the pulumi CLI and the
// providers but no pulumi-language-nodejs. Creates, checks and destroys one
// resource of each provider (docker: a network and a volume, no image pull).
import * as auto from "@pulumi/pulumi/automation/index.js";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

const tag = `meshkit-toolchain-smoke-${process.pid}`;
const program = async () => {
  const suffix = new random.RandomString("suffix", { length: 8, special: false, upper: false });
  const key = new tls.PrivateKey("ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
  const cert = new tls.SelfSignedCert("ca", {
    privateKeyPem: key.privateKeyPem,
    subject: { commonName: "smoke" },
    validityPeriodHours: 1,
    isCaCertificate: true,
    allowedUses: ["cert_signing"],
  });
  const net = new docker.Network("net", { name: suffix.result.apply((s) => `${tag}-${s}`) });
  const vol = new docker.Volume("vol", { name: suffix.result.apply((s) => `${tag}-${s}`) });
  return { suffix: suffix.result, certPem: cert.certPem, network: net.name, volume: vol.name };
};

const stack = await auto.LocalWorkspace.createOrSelectStack({ stackName: "smoke", projectName: "toolchain-smoke", program });
const quiet = process.env.SMOKE_VERBOSE ? (s: string) => process.stdout.write(s) : () => {};
try {
  const up = await stack.up({ onOutput: quiet });
  const o = up.outputs;
  const out = (k: string) => String(o[k]?.value ?? "");
  const ok =
    /^[a-z0-9]{8}$/.test(out("suffix")) &&
    out("certPem").startsWith("-----BEGIN CERTIFICATE-----") &&
    out("network").startsWith(tag) &&
    out("volume").startsWith(tag);
  console.log(JSON.stringify({ step: "up", result: up.summary.result, resources: up.summary.resourceChanges, ok }));
  if (!ok) throw new Error(`unexpected outputs: ${JSON.stringify(o)}`);
} finally {
  const d = await stack.destroy({ onOutput: quiet });
  console.log(JSON.stringify({ step: "destroy", result: d.summary.result }));
  await stack.workspace.removeStack("smoke");
}
