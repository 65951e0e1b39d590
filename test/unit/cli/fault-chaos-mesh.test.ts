// `fault apply --via chaos-mesh` as a user runs it, without a cluster: a Docker stack and a kind
// without a Chaos Mesh equivalent are refused (exit 2) before any engine or cluster is asked. (The
// dry-run previews against the API server: test/e2e/chaos-mesh.test.ts.)
import { describe, expect, it, vi } from "vitest";
import { meshkitChaos } from "../../support/cli.ts";

vi.setConfig({ testTimeout: 120_000 });

describe("meshkit-chaos fault apply --via chaos-mesh", () => {
  it("refuses a docker stack and a kind without a Chaos Mesh equivalent with exit 2, saying what to do", async () => {
    const [docker, unmapped, badVia] = await Promise.all([
      meshkitChaos(["fault", "apply", "network-partition", "--target", "node-1", "--via", "chaos-mesh", "--stack", "local"]),
      meshkitChaos(["fault", "apply", "invalid-signature", "--target", "node-1", "--via", "chaos-mesh", "--stack", "kube"]),
      meshkitChaos(["fault", "apply", "network-partition", "--target", "node-1", "--via", "litmus", "--stack", "kube"]),
    ]);
    expect(docker.exitCode).toBe(2);
    expect(docker.stderr).toMatch(/stack local runs on docker.*Use --via agent here, or a stack with platform: kubernetes/);
    expect(unmapped.exitCode).toBe(2);
    expect(unmapped.stderr).toMatch(/invalid-signature cannot be applied --via chaos-mesh: no Chaos Mesh equivalent.*apply it --via agent/);
    expect(badVia.exitCode).toBe(2);
    expect(badVia.stderr).toMatch(/--via.*litmus.*Allowed choices are agent, chaos-mesh/);
  });
});
