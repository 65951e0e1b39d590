// The component tree under Pulumi mocks: no engine, no Docker. The real engines are exercised by
// test/e2e/environment.test.ts.
import { execFileSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { labelKeys } from "../../../components/model/environment.ts";
import { parseSettings } from "../../../components/config.ts";

interface Created {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

let created: Created[] = [];

/** A real certificate, so the component's fingerprint code parses what the tls provider would return. */
const selfSignedPem = (): string =>
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=mock", "-days", "1"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );

let pems: string[] = [];

beforeAll(async () => {
  pems = Array.from({ length: 4 }, selfSignedPem);
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        created.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "tls:index/privateKey:PrivateKey") state.privateKeyPem = `mock-private-key-of-${args.name}`;
        if (args.type.startsWith("tls:index/") && args.type.endsWith("Cert")) state.certPem = pems[created.length % pems.length];
        if (args.type === "tls:index/certRequest:CertRequest") state.certRequestPem = "csr";
        if (args.type === "random:index/randomPassword:RandomPassword") state.result = "mock-agent-token-value";
        if (args.type === "random:index/randomId:RandomId") state.hex = "abcd";
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.inputs.name}`;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "meshkit-chaos",
    "ci",
    false,
  );
});

async function environment(raw: unknown, name = "environment") {
  created = [];
  const { ChaosEnvironment } = await import("../../../components/chaos-environment.ts");
  const env = new ChaosEnvironment(name, { stack: "ci", settings: parseSettings(raw, "test") });
  // Let the mock engine register every resource.
  await new Promise<void>((resolve) => env.certificateFingerprints.apply(() => resolve()));
  await new Promise((r) => setTimeout(r, 50));
  return env;
}

const ofType = (t: string) => created.filter((c) => c.type === t);

describe("ChaosEnvironment component tree", () => {
  it("scales containers, volumes and certificates with the node count", async () => {
    for (const n of [3, 5]) {
      await environment({ nodes: n });
      expect(ofType("docker:index/container:Container")).toHaveLength(1 + n + n + 1);
      // Per node: its tmpfs data volume and its agent's state volume; plus Prometheus' data.
      expect(ofType("docker:index/volume:Volume")).toHaveLength(2 * n + 1);
      expect(ofType("docker:index/network:Network")).toHaveLength(1);
      // The registry, every node and the joiner (membership-surge nodes share one certificate); keys: those and the CA.
      expect(ofType("tls:index/locallySignedCert:LocallySignedCert")).toHaveLength(n + 2);
      expect(ofType("tls:index/privateKey:PrivateKey")).toHaveLength(n + 3);
      const components = created.filter((c) => c.type.startsWith("meshkit-chaos:")).map((c) => c.type);
      expect(components.filter((t) => t.endsWith(":FaultSidecar"))).toHaveLength(n);
      for (const kind of ["ChaosEnvironment", "Mesh", "RunCertificates", "Observability"]) {
        expect(components).toContain(`meshkit-chaos:index:${kind}`);
      }
    }
  });

  it("labels every Docker object with project, stack and run id", async () => {
    await environment({ nodes: 2, runId: "run-7" });
    const labelled = created.filter((c) => /docker:index\/(container|network|volume):/.test(c.type));
    expect(labelled.length).toBeGreaterThan(0);
    for (const c of labelled) {
      const labels = Object.fromEntries((c.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
      expect(labels, `${c.type} ${c.name}`).toMatchObject({
        [labelKeys.project]: "meshkit-chaos",
        [labelKeys.stack]: "ci",
        [labelKeys.runId]: "run-7",
      });
    }
  });

  it("keeps the agent token and private keys secret and exports only fingerprints", async () => {
    const env = await environment({ nodes: 2 });
    expect(await pulumi.isSecret(env.agentToken)).toBe(true);
    const fingerprints = await new Promise<Record<string, string>>((r) => env.certificateFingerprints.apply(r));
    expect(Object.keys(fingerprints).sort()).toEqual(["joiner", "node-1", "node-2", "registry"]);
    for (const fp of Object.values(fingerprints)) expect(fp).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(JSON.stringify(fingerprints)).not.toContain("mock-private-key");
  });

  it("publishes URLs on loopback and shares the node's namespaces with its agent", async () => {
    const env = await environment({ nodes: 2 });
    expect(env.nodes.map((n) => n.controlUrl)).toEqual(["http://127.0.0.1:30100", "http://127.0.0.1:30101"]);
    expect(env.prometheusUrl).toBe("http://127.0.0.1:30000");
    expect(env.grafanaUrl).toBeNull();
    const container = (name: string) => ofType("docker:index/container:Container").find((c) => c.inputs.name === name)!;
    const agent = container("mkc-ci-node-1-agent");
    const node = `container:${container("mkc-ci-node-1").name}-id`;
    expect(agent.inputs.networkMode).toBe(node);
    expect(agent.inputs.pidMode).toBe(node);
    expect(agent.inputs.capabilities).toEqual({ adds: ["NET_ADMIN"] });
    for (const c of ofType("docker:index/container:Container")) {
      for (const p of c.inputs.ports ?? []) expect(p.ip, `${c.name}`).toBe("127.0.0.1");
    }
  });

  it("derives every child's name from its component's name, so two environments never collide", async () => {
    const names = async (env: string) => {
      await environment({ nodes: 2 }, env);
      return created.map((c) => `${c.type}::${c.name}`);
    };
    const a = await names("a");
    const b = await names("b");
    expect(new Set(a).size, "names within one environment").toBe(a.length);
    expect(a.filter((n) => b.includes(n))).toEqual([]);
    for (const n of a) expect(n.split("::")[1], n).toMatch(/^a(-|$)/);
  });
});
