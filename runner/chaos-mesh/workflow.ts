// A scenario as a Chaos Mesh Workflow (chaos-mesh.org/v1alpha1): the planned steps in order (Serial),
// a parallel step as a Parallel template, a pause as a Suspend, every fault's CRs as embedded chaos
// templates whose deadline is the fault's duration. What a Workflow cannot say is kept as notes (and
// as an annotation): steady-state probes and SLOs (PromQL), waitUntil (a Suspend of its timeout) and
// the kinds without a Chaos Mesh equivalent (a Suspend of their duration, so the timing stays true).

import { projectName } from "../../components/config.ts";
import { labelKeys } from "../../components/model/environment.ts";
import { catalog, type FaultPlan } from "../../faults/catalog.ts";
import { chaosMeshApiVersion, type ChaosMeshKind, type ChaosMeshResource } from "../../faults/chaos-mesh.ts";
import { goDuration } from "../../faults/chaos-mesh.ts";
import type { PlannedStep, ScenarioPlan } from "../planner.ts";
import type { Scenario } from "../scenario/model.ts";

export interface WorkflowTemplate {
  readonly name: string;
  readonly templateType: string;
  readonly deadline?: string;
  readonly children?: readonly string[];
  readonly [embedded: string]: unknown;
}

export interface ChaosMeshWorkflow {
  readonly apiVersion: typeof chaosMeshApiVersion;
  readonly kind: "Workflow";
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  };
  readonly spec: { readonly entry: string; readonly templates: readonly WorkflowTemplate[] };
}

export interface ExportedWorkflow {
  readonly workflow: ChaosMeshWorkflow;
  /** What the Workflow does not do that `scenario run` would (one sentence each). */
  readonly notes: readonly string[];
}

/** The embedded-template field of each CR kind: NetworkChaos → networkChaos. */
const embeddedField = (kind: ChaosMeshKind): string => `${kind.charAt(0).toLowerCase()}${kind.slice(1)}`;

export const workflowEntry = "entry";

/** Template names: `<step>-<what>`, lower case, at most 63 characters. */
const templateName = (step: number, what: string): string =>
  `s${step + 1}-${what}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63).replace(/-+$/, "");

export function scenarioWorkflow(scenario: Scenario, plan: ScenarioPlan, namespace: string): ExportedWorkflow {
  const templates: WorkflowTemplate[] = [];
  const notes: string[] = [];
  const children: string[] = [];

  /** One fault: its CR as an embedded chaos template (a Parallel of them if it has several), or a Suspend. */
  const faultTemplate = (step: PlannedStep, fault: FaultPlan, label: string): string => {
    const deadline = goDuration(fault.durationMs);
    const resources = fault.chaosMesh ?? [];
    if (resources.length === 0) {
      const name = templateName(step.index, `${label}-not-in-chaos-mesh`);
      templates.push({ name, templateType: "Suspend", deadline });
      notes.push(
        `steps[${step.index}] ${fault.kind} ${fault.id}: no Chaos Mesh equivalent (${catalog[fault.kind].chaosMesh.note}); ` +
          `the Workflow only waits its ${fault.duration} — run the scenario with \`meshkit-chaos scenario run\` for it`,
      );
      return name;
    }
    const chaos = resources.map((r, i) => chaosTemplate(r, templateName(step.index, resources.length > 1 ? `${label}-${i + 1}` : label), deadline));
    templates.push(...chaos);
    if (chaos.length === 1) return chaos[0]!.name;
    const name = templateName(step.index, `${label}-all`);
    templates.push({ name, templateType: "Parallel", deadline, children: chaos.map((c) => c.name) });
    return name;
  };

  for (const step of plan.steps) {
    if (step.type === "pause") {
      const name = templateName(step.index, "pause");
      templates.push({ name, templateType: "Suspend", deadline: goDuration(step.durationMs) });
      children.push(name);
    } else if (step.type === "wait-until") {
      const name = templateName(step.index, `wait-${step.probe}`);
      templates.push({ name, templateType: "Suspend", deadline: goDuration(step.timeoutMs) });
      children.push(name);
      notes.push(
        `steps[${step.index}] waitUntil ${step.probe}: a Workflow cannot evaluate a PromQL threshold (StatusCheck judges HTTP status codes only), ` +
          `so it waits the whole timeout (${goDuration(step.timeoutMs)})`,
      );
    } else if (step.faults.length === 1) {
      const f = step.faults[0]!;
      children.push(faultTemplate(step, f, scenarioFaultName(scenario, step.index, 0) ?? f.kind));
    } else {
      const parts = step.faults.map((f, i) => faultTemplate(step, f, scenarioFaultName(scenario, step.index, i) ?? `${f.kind}-${i + 1}`));
      const name = templateName(step.index, "parallel");
      templates.push({ name, templateType: "Parallel", deadline: goDuration(step.durationMs), children: parts });
      children.push(name);
    }
  }
  templates.unshift({ name: workflowEntry, templateType: "Serial", children });
  notes.push(
    `steady state (${scenario.steadyState.probes.map((p) => p.name).join(", ")}) and SLOs (${scenario.slos.map((s) => s.name).join(", ") || "none"}) ` +
      `are PromQL checks of \`scenario run\`; the Workflow injects and times the faults only`,
  );
  notes.push(`targets were resolved when exported (nodes: ${plan.topology.nodes.join(", ")}; leaders: ${Object.entries(plan.topology.leaders).map(([s, l]) => `${s}=${l ?? "none"}`).join(", ")}); role:leader and random picks do not follow later changes`);

  return {
    workflow: {
      apiVersion: chaosMeshApiVersion,
      kind: "Workflow",
      metadata: {
        name: scenario.metadata.name,
        namespace,
        labels: { [labelKeys.project]: projectName, [labelKeys.stack]: plan.envStack, "meshkit-chaos.scenario": scenario.metadata.name },
        annotations: {
          "meshkit-chaos.scenario-version": scenario.metadata.version,
          "meshkit-chaos.run-id": plan.runId,
          "meshkit-chaos.notes": notes.join("\n"),
        },
      },
      spec: { entry: workflowEntry, templates },
    },
    notes,
  };
}

const scenarioFaultName = (scenario: Scenario, step: number, i: number): string | undefined => {
  const s = scenario.steps[step];
  if (!s) return undefined;
  if ("fault" in s) return s.name;
  if ("parallel" in s) return s.parallel[i]?.name;
  return undefined;
};

/** A CR as an embedded chaos template: its spec without `duration` (the template's deadline bounds it). */
function chaosTemplate(resource: ChaosMeshResource, name: string, deadline: string): WorkflowTemplate {
  const { duration: _duration, ...spec } = resource.spec;
  return { name, templateType: resource.kind, deadline, [embeddedField(resource.kind)]: spec };
}
