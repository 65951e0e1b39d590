import { describe, expect, it } from "vitest";
import { environmentOutputs, parseEnvironmentOutputs, withoutSecrets } from "../../../lifecycle/outputs.ts";
import { parseStackName } from "../../../lifecycle/stack-name.ts";

const sample = {
  platform: "docker",
  namespace: null,
  runId: "run-20250101-abcdef",
  nodes: [{ name: "node-1", controlUrl: "http://127.0.0.1:31100", agentUrl: "http://127.0.0.1:31300" }],
  registryUrl: "http://127.0.0.1:31002",
  prometheusUrl: "http://127.0.0.1:31000",
  grafanaUrl: null,
  certificateFingerprints: { "node-1": "AA:BB" },
  certificateSerials: { "node-1": "01" },
  agentToken: "s3cret-token-value",
  joinKit: {
    prefix: "mkc-ci",
    network: "mkc-ci-net",
    image: "meshkit-chaos/node:abc",
    env: {},
    identityEnv: ["MESH__GOSSIP__NODEID"],
    files: [{ path: "/etc/meshkit/tls/tls.key", content: "joiner-key-material", secret: true }],
    labels: {},
  },
};

describe("environment stack outputs", () => {
  it("parses what the program exports, token included", () => {
    expect(parseEnvironmentOutputs(sample, "ci")).toEqual(sample);
  });

  it("leaves the agent token and the join kit's key out of what commands print", () => {
    const printed = JSON.stringify(withoutSecrets(parseEnvironmentOutputs(sample, "ci")));
    expect(printed).not.toContain("s3cret-token-value");
    expect(printed).not.toContain("agentToken");
    expect(printed).not.toContain("joiner-key-material");
  });

  it("says how to bring a stack up when it has no outputs, and names fields that are off", () => {
    expect(() => parseEnvironmentOutputs({}, "ci")).toThrow(/stack ci has no outputs.*meshkit-chaos env up --stack ci/);
    expect(() => parseEnvironmentOutputs({ ...sample, nodes: [{ name: "node-1", controlUrl: "nope" }] }, "ci")).toThrow(
      /nodes\.0\.controlUrl[\s\S]*nodes\.0\.agentUrl/,
    );
  });

  it("reads a stack brought up before the platform was an output as a Docker one", () => {
    const { platform: _p, namespace: _n, ...older } = sample;
    expect(parseEnvironmentOutputs(older, "ci")).toMatchObject({ platform: "docker", namespace: null });
  });

  it("has one key per output the program exports", () => {
    expect(Object.keys(environmentOutputs.shape).sort()).toEqual(Object.keys(sample).sort());
  });
});

describe("stack names", () => {
  it("accepts lower-case names and rejects anything that could escape a Docker name or a path", () => {
    for (const ok of ["local", "ci", "team-a", "a1"]) expect(parseStackName(ok)).toBe(ok);
    for (const bad of ["", "Local", "1st", "../x", "a b", "a.run-1", "x".repeat(33)]) {
      expect(() => parseStackName(bad, "--stack"), bad).toThrow(/--stack: .* is not a stack name/);
    }
  });
});
