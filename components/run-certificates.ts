import { X509Certificate } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import type { CertificateFiles } from "./model/build.ts";

export interface RunCertificatesArgs {
  /** A new run id regenerates the CA and every leaf (random keepers). */
  readonly runId: pulumi.Input<string>;
  /** Certificate holders: their names are also their DNS names on the environment network. */
  readonly holders: readonly string[];
  readonly validityHours?: number;
}

export interface LeafCertificate extends CertificateFiles<pulumi.Output<string>> {
  readonly fingerprint: pulumi.Output<string>;
  readonly serial: pulumi.Output<string>;
}

const keyAlgorithm = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

/** SHA-256 fingerprint and serial of a PEM certificate: safe to print, unlike the key. */
export function describeCertificate(pem: string): { fingerprint: string; serial: string } {
  const cert = new X509Certificate(pem);
  return { fingerprint: cert.fingerprint256, serial: cert.serialNumber };
}

/**
 * The run CA and one leaf per holder (server and client auth, for mutual TLS). Private keys are
 * Pulumi secrets; only fingerprints and serials are meant to leave the stack.
 */
export class RunCertificates extends pulumi.ComponentResource {
  readonly caCertPem: pulumi.Output<string>;
  readonly leaves: ReadonlyMap<string, LeafCertificate>;

  constructor(name: string, args: RunCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:RunCertificates", name, {}, opts);
    const validityPeriodHours = args.validityHours ?? 24 * 7;
    // The epoch changes exactly when the run id does; every key is replaced with it.
    const epoch = new random.RandomId(`${name}-run-epoch`, { byteLength: 8, keepers: { runId: args.runId } }, { parent: this });
    const rotate = { parent: this, replacementTrigger: epoch.hex };

    const caKey = new tls.PrivateKey(`${name}-ca-key`, keyAlgorithm, rotate);
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        validityPeriodHours,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        subject: { commonName: pulumi.interpolate`meshkit-chaos run ${args.runId}`, organization: "meshkit-chaos" },
      },
      { parent: this },
    );
    this.caCertPem = ca.certPem;

    const leaves = new Map<string, LeafCertificate>();
    for (const holder of args.holders) {
      const key = new tls.PrivateKey(`${name}-${holder}-key`, keyAlgorithm, rotate);
      const request = new tls.CertRequest(
        `${name}-${holder}-csr`,
        {
          privateKeyPem: key.privateKeyPem,
          subject: { commonName: holder, organization: "meshkit-chaos" },
          dnsNames: [holder, "localhost"],
          ipAddresses: ["127.0.0.1"],
        },
        { parent: this },
      );
      const cert = new tls.LocallySignedCert(
        `${name}-${holder}`,
        {
          certRequestPem: request.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours,
          allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
        },
        { parent: this },
      );
      const described = cert.certPem.apply(describeCertificate);
      leaves.set(holder, {
        certPem: cert.certPem,
        keyPem: pulumi.secret(key.privateKeyPem),
        caPem: ca.certPem,
        fingerprint: described.fingerprint,
        serial: described.serial,
      });
    }
    this.leaves = leaves;
    this.registerOutputs({ caCertPem: this.caCertPem });
  }

  leaf(holder: string): LeafCertificate {
    const leaf = this.leaves.get(holder);
    if (!leaf) throw new Error(`no certificate for ${holder}; holders are ${[...this.leaves.keys()].join(", ")}`);
    return leaf;
  }
}
