// A scenario exported as a Chaos Mesh Workflow (scenario export --format chaos-mesh-workflow): every
// sample scenario becomes a Workflow the real Workflow CRD schema accepts (ajv against
// ../shared/data/chaos-mesh/crd.yaml), its steps in order with the deadlines of their durations, and
// what a Workflow cannot do is said, not dropped silently.

import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { exportWorkflows, workflowsYaml } from "../../../runner/chaos-mesh/export.ts";
import type { WorkflowTemplate } from "../../../runner/chaos-mesh/workflow.ts";
import { PlanRefused } from "../../../runner/planner.ts";
import { listCatalog } from "../../../runner/scenario/catalog.ts";
import { crdProblems } from "../../support/chaos-mesh-crds.ts";
import { lastJsonLine, meshkitChaos } from "../../support/cli.ts";

const byName = (templates: readonly WorkflowTemplate[], name: string): WorkflowTemplate => {
  const t = templates.find((x) => x.name === name);
  if (!t) throw new Error(`no template ${name} in ${templates.map((x) => x.name).join(", ")}`);
  return t;
};

describe("scenario export as a Chaos Mesh Workflow", () => {
  it("every sample scenario exports to a Workflow the real Workflow CRD accepts", async () => {
    const files = [...new Set((await listCatalog()).entries.map((e) => e.file))];
    expect(files.length).toBeGreaterThanOrEqual(13);
    for (const file of files) {
      const { workflows } = await exportWorkflows(file, { leader: "node-1", namespace: "mkc-kube" });
      for (const { workflow } of workflows) {
        expect(crdProblems(workflow), file).toEqual([]);
        expect(workflow.metadata.namespace).toBe("mkc-kube");
        // Every child a Serial/Parallel names is a template of the Workflow.
        const names = new Set(workflow.spec.templates.map((t) => t.name));
        expect(names.size, `${file}: template names are unique`).toBe(workflow.spec.templates.length);
        for (const t of workflow.spec.templates) for (const c of t.children ?? []) expect(names.has(c), `${file}: ${t.name} → ${c}`).toBe(true);
      }
    }
  });

  it("chained-degradation: steps in order, the parallel step a Parallel, pauses and waitUntil Suspends, deadlines from durations", async () => {
    const { workflows } = await exportWorkflows("scenarios/chained-degradation.yaml", { leader: "node-3", namespace: "ns-a" });
    const { workflow, notes } = workflows[0]!;
    const t = workflow.spec.templates;
    expect(workflow.spec.entry).toBe("entry");
    expect(byName(t, "entry")).toMatchObject({ templateType: "Serial", children: ["s1-slow-node-2", "s2-pause", "s3-parallel", "s4-wait-suspects-at-most-one", "s5-crash-leader"] });
    expect(byName(t, "s1-slow-node-2")).toMatchObject({ templateType: "NetworkChaos", deadline: "20s", networkChaos: { action: "delay", delay: { latency: "50ms" } } });
    expect(byName(t, "s1-slow-node-2").networkChaos).not.toHaveProperty("duration");
    expect(byName(t, "s2-pause")).toEqual({ name: "s2-pause", templateType: "Suspend", deadline: "5s" });
    expect(byName(t, "s3-parallel")).toMatchObject({ templateType: "Parallel", deadline: "20s", children: ["s3-lossy-node-3", "s3-busy-node-2"] });
    expect(byName(t, "s3-busy-node-2")).toMatchObject({ templateType: "StressChaos", stressChaos: { stressors: { cpu: { workers: 1, load: 50 } } } });
    expect(byName(t, "s4-wait-suspects-at-most-one")).toMatchObject({ templateType: "Suspend", deadline: "30s" });
    // The leader given for the offline export is the pod the PodChaos selects.
    const kill = byName(t, "s5-crash-leader").podChaos as { action: string; selector: { namespaces: string[]; expressionSelectors: { key: string; values: string[] }[] } };
    expect(kill.action).toBe("pod-kill");
    expect(kill.selector.namespaces).toEqual(["ns-a"]);
    expect(kill.selector.expressionSelectors.find((e) => e.key === "meshkit-chaos.node")?.values).toEqual(["node-3"]);
    expect(notes.join("\n")).toMatch(/waitUntil suspects-at-most-one: a Workflow cannot evaluate a PromQL threshold/);
    expect(workflow.metadata.annotations["meshkit-chaos.notes"]).toContain("steady state");
  });

  it("a kind without a Chaos Mesh equivalent keeps its time as a Suspend and is named in the notes", async () => {
    const { workflows } = await exportWorkflows("scenarios/kube/verification-failures.yaml");
    const { workflow, notes } = workflows[0]!;
    expect(byName(workflow.spec.templates, "s1-bad-signatures-node-2-not-in-chaos-mesh")).toEqual({
      name: "s1-bad-signatures-node-2-not-in-chaos-mesh",
      templateType: "Suspend",
      deadline: "30s",
    });
    expect(byName(workflow.spec.templates, "s3-clock-ahead-node-3")).toMatchObject({ templateType: "TimeChaos", timeChaos: { timeOffset: "2h" } });
    expect(notes.join("\n")).toMatch(/invalid-signature .*no Chaos Mesh equivalent.*scenario run/);
  });

  it("refuses role:leader offline without --leader, saying what to pass", async () => {
    const error = await exportWorkflows("scenarios/kube/split-brain.yaml").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanRefused);
    expect((error as Error).message).toMatch(/--leader node-N/);
  });

  it("the validator is real: a template without templateType, a misspelt embedded field and a bad chaos spec are rejected", async () => {
    const { workflows } = await exportWorkflows("scenarios/latency-degradation.yaml");
    const good = workflows[0]!.workflow;
    const withTemplates = (templates: unknown[]) => ({ ...good, spec: { ...good.spec, templates } });
    const [entry, delay] = good.spec.templates as [WorkflowTemplate, WorkflowTemplate];
    const { templateType: _dropped, ...noType } = delay;
    expect(crdProblems(withTemplates([entry, noType])).join()).toMatch(/must have required property 'templateType'/);
    expect(crdProblems(withTemplates([entry, { ...delay, networkchaos: delay.networkChaos }])).join()).toMatch(/must NOT have additional properties/);
    expect(crdProblems(withTemplates([entry, { ...delay, networkChaos: { ...(delay.networkChaos as object), action: "slow" } }])).join()).toMatch(
      /networkChaos\/action: must be equal to one of the allowed values/,
    );
  });

  it("meshkit-chaos scenario export prints the Workflow as YAML (notes as comments) or JSON, exit 2 on a docker stack", async () => {
    const yaml = await meshkitChaos(["scenario", "export", "scenarios/kube/resource-stress.yaml", "--format", "chaos-mesh-workflow"]);
    expect(yaml.exitCode, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^# note: /);
    const docs = parseAllDocuments(yaml.stdout).map((d) => d.toJS() as { kind: string; spec: { templates: WorkflowTemplate[] } });
    expect(docs.map((d) => d.kind)).toEqual(["Workflow"]);
    expect(byName(docs[0]!.spec.templates, "s1-parallel").children).toEqual(["s1-cpu-node-1", "s1-memory-node-2"]);
    const json = await meshkitChaos(["scenario", "export", "scenarios/kube/resource-stress.yaml", "--format", "chaos-mesh-workflow", "--json"]);
    expect(lastJsonLine<{ workflows: { workflow: unknown }[] }>(json.stdout).workflows[0]!.workflow).toEqual(docs[0]);
    const docker = await meshkitChaos(["scenario", "export", "scenarios/latency-degradation.yaml", "--format", "chaos-mesh-workflow", "--stack", "local"]);
    expect(docker.exitCode).toBe(2);
    expect(docker.stderr).toMatch(/stack local runs on docker/);
    const noFormat = await meshkitChaos(["scenario", "export", "scenarios/latency-degradation.yaml"]);
    expect(noFormat.exitCode).toBe(2);
    expect(noFormat.stderr).toMatch(/--format/);
  }, 120_000);
});
