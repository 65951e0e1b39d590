// Where a stack's Chaos Mesh resources go and how a read-back is judged: the kube stack's cluster and
// namespace (the environment's outputs win), a Docker stack refused, and the spec comparison that the
// verified-active line and the e2e test rely on — it must catch a pruned or changed field, not only pass.
import { describe, expect, it } from "vitest";
import { localKubeconfig } from "../../../kube/paths.ts";
import { ChaosMeshUnavailable, chaosMeshCluster, specDifferences } from "../../../runner/chaos-mesh/cluster.ts";

describe("Chaos Mesh cluster of a stack", () => {
  it("the kube stack: the local cluster's kubeconfig and mkc-kube; the environment's namespace output wins", () => {
    expect(chaosMeshCluster("kube")).toMatchObject({ platform: "kubernetes", stack: "kube", namespace: "mkc-kube", kubeconfig: localKubeconfig });
    expect(chaosMeshCluster("kube", { platform: "kubernetes", namespace: "team-a" }).namespace).toBe("team-a");
  });

  it("refuses a docker stack (and a stack without a settings file, docker by default), saying what to use", () => {
    expect(() => chaosMeshCluster("local")).toThrow(ChaosMeshUnavailable);
    expect(() => chaosMeshCluster("local")).toThrow(/stack local runs on docker.*--via agent/);
    expect(() => chaosMeshCluster("no-such-stack")).toThrow(/Chaos Mesh resources need a Kubernetes stack/);
  });
});

describe("spec read-back comparison", () => {
  const declared = { action: "delay", delay: { latency: "80ms", jitter: "0ms" }, selector: { namespaces: ["a"], expressionSelectors: [{ key: "k", values: ["x"] }] } };

  it("passes when the server holds the declared spec plus its own defaults", () => {
    expect(specDifferences(declared, { ...declared, mode: "all", delay: { ...declared.delay, correlation: "0" } })).toEqual([]);
  });

  it("names a pruned field, a changed value and a changed list", () => {
    const { jitter: _pruned, ...delay } = declared.delay;
    expect(specDifferences(declared, { ...declared, delay })).toEqual(['spec.delay.jitter: declared "0ms", stored undefined']);
    expect(specDifferences(declared, { ...declared, action: "loss" })).toEqual(['spec.action: declared "delay", stored "loss"']);
    expect(specDifferences(declared, { ...declared, selector: { ...declared.selector, namespaces: ["a", "b"] } })[0]).toMatch(/^spec\.selector\.namespaces: declared \["a"\]/);
    expect(specDifferences(declared, { ...declared, selector: { ...declared.selector, expressionSelectors: [{ key: "k", values: ["y"] }] } })).toEqual([
      'spec.selector.expressionSelectors[0].values[0]: declared "x", stored "y"',
    ]);
  });
});
