// `fault apply --via chaos-mesh` as a user runs it, without a cluster: a Docker stack and a kind
// without a Chaos Mesh equivalent are refused (exit 2) before any engine or cluster is asked, and a
// dry-run on the kube stack prints the CRs it would declare, in the stack's namespace.
import { describe, expect, it, vi } from "vitest";
import type { ChaosMeshResource } from "../../../faults/chaos-mesh.ts";
import { lastJsonLine, meshkitChaos } from "../../support/cli.ts";
import { crdProblems } from "../../support/chaos-mesh-crds.ts";

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

  it("a dry-run on the kube stack prints the CRs in the stack's namespace, valid against the real CRDs", async () => {
    const r = await meshkitChaos(["fault", "apply", "network-latency", "--target", "node-2", "--set", "delay=80ms", "--via", "chaos-mesh", "--stack", "kube", "--dry-run", "--json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = lastJsonLine<{ namespace: string; chaosMesh: ChaosMeshResource[] }>(r.stdout);
    expect(out.namespace).toBe("mkc-kube");
    expect(out.chaosMesh.map((c) => [c.kind, c.metadata.namespace])).toEqual([["NetworkChaos", "mkc-kube"]]);
    expect(out.chaosMesh[0]!.spec).toMatchObject({ action: "delay", delay: { latency: "80ms" } });
    expect(crdProblems(out.chaosMesh[0]!)).toEqual([]);
    expect(r.stderr).toMatch(/via Chaos Mesh: NetworkChaos\/lat-[0-9a-f]+ in namespace mkc-kube/);
  });
});
