import { describe, expect, it } from "vitest";
import { localKubeconfig } from "../../../kube/paths.ts";
import { containerRef, placementOf, platformRefusals } from "../../../runner/members.ts";

describe("where an environment's members run (runner/members.ts)", () => {
  it("the ci stack runs in Docker containers named after the stack", () => {
    const p = placementOf("ci");
    expect(p.platform).toBe("docker");
    expect(containerRef(p, "node-2", "agent")).toBe("mkc-ci-node-2-agent");
  });

  it("the kube stack runs in pods of its namespace on the local cluster, unless its outputs say another namespace", () => {
    expect(placementOf("kube")).toEqual({ platform: "kubernetes", stack: "kube", namespace: "mkc-kube", kubeconfig: localKubeconfig });
    expect(placementOf("kube", { platform: "kubernetes", namespace: "elsewhere" })).toMatchObject({ namespace: "elsewhere" });
    expect(containerRef(placementOf("kube"), "node-2", "agent")).toBe("node-2/agent");
  });

  it("membership-surge is refused on Kubernetes with the reason, every kind runs on Docker", () => {
    const [refusal, ...more] = platformRefusals(placementOf("kube"), ["network-partition", "membership-surge", "membership-surge"]);
    expect(refusal).toMatch(/^membership-surge does not run on kubernetes \(stack kube\): its joiners are Docker containers/);
    expect(more).toEqual([]);
    expect(platformRefusals(placementOf("ci"), ["membership-surge"])).toEqual([]);
  });
});
