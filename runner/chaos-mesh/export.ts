// `scenario export --format chaos-mesh-workflow`: the scenarios of a file planned (the same planner,
// blast radius and fault catalog as `scenario run`) and rendered as Chaos Mesh Workflows. With a
// Kubernetes stack the targets resolve against its live topology (or its configured nodes when it is
// not up) in its namespace; without one, against the scenario's minNodes nodes.

import { stringify } from "yaml";
import { nodeName } from "../../components/model/build.ts";
import { defaultLeadershipScope } from "../../contract/meshkit.ts";
import { defaultNamespace } from "../../faults/catalog.ts";
import type { Topology } from "../../faults/targets.ts";
import { planScenario, PlanRefused } from "../planner.ts";
import { loadScenariosOrThrow } from "../scenario/load.ts";
import { loadPolicyOrThrow } from "../scenario/policy.ts";
import { readTopology } from "../topology.ts";
import { chaosMeshCluster, configuredNodeCount, environmentIfUp } from "./cluster.ts";
import { scenarioWorkflow, type ExportedWorkflow } from "./workflow.ts";

export interface WorkflowExportOptions {
  /** A Kubernetes stack: its namespace and topology. */
  readonly stack?: string;
  /** Without a stack (or with one that is not up): the namespace and the leader to assume. */
  readonly namespace?: string;
  readonly leader?: string;
  /** Only this scenario of the file. */
  readonly name?: string;
}

export interface WorkflowExport {
  readonly workflows: readonly ExportedWorkflow[];
  /** Where the targets were resolved: "live environment kube", "3 configured nodes". */
  readonly resolvedAgainst: string;
}

/** Fault ids and random picks of an export are a function of this and the scenario: re-exporting gives the same file. */
const exportRunId = "export";

export async function exportWorkflows(file: string, options: WorkflowExportOptions = {}): Promise<WorkflowExport> {
  const loaded = await loadScenariosOrThrow(file);
  const chosen = options.name ? loaded.filter((l) => l.scenario.metadata.name === options.name) : loaded;
  if (chosen.length === 0) {
    throw new PlanRefused([`${file}: no scenario named ${options.name} (scenarios: ${loaded.map((l) => l.scenario.metadata.name).join(", ")})`]);
  }
  const policy = await loadPolicyOrThrow();
  // A Docker stack is refused from its settings file, before the engine is asked for its outputs.
  if (options.stack) chaosMeshCluster(options.stack);
  const live = options.stack ? await environmentIfUp(options.stack) : null;
  const cluster = options.stack ? chaosMeshCluster(options.stack, live?.raw) : null;
  const namespace = options.namespace ?? cluster?.namespace ?? defaultNamespace;
  const workflows: ExportedWorkflow[] = [];
  let resolvedAgainst = "";
  for (const { scenario } of chosen) {
    let topology: Topology;
    if (live) {
      topology = await readTopology(live.outputs.nodes);
      resolvedAgainst = `the live environment ${options.stack}`;
    } else {
      const n = options.stack ? configuredNodeCount(options.stack) : scenario.prerequisites.minNodes;
      topology = { nodes: Array.from({ length: n }, (_, i) => nodeName(i)), leaders: { [defaultLeadershipScope]: options.leader ?? null } };
      resolvedAgainst = `${n} ${options.stack ? `configured nodes of ${options.stack} (not up)` : "nodes (the scenario's minNodes)"}${options.leader ? `, leader ${options.leader} as given` : ""}`;
    }
    const envStack = options.stack ?? scenario.prerequisites.environment ?? "export";
    try {
      const plan = planScenario(scenario, topology, { runId: exportRunId, envStack, policy, namespace });
      workflows.push(scenarioWorkflow(scenario, plan, namespace));
    } catch (error) {
      if (error instanceof PlanRefused && !live && error.problems.some((p) => p.includes("role:leader"))) {
        throw new PlanRefused([
          ...error.problems,
          `role:leader is resolved when exported: bring the environment up and pass --stack, or name the leader to assume with --leader node-N`,
        ]);
      }
      throw error;
    }
  }
  return { workflows, resolvedAgainst };
}

/** The Workflows as one YAML stream, each preceded by its notes as comments. */
export function workflowsYaml(exported: WorkflowExport): string {
  return exported.workflows
    .map((w) => `${w.notes.map((n) => `# note: ${n}`).join("\n")}\n${stringify(w.workflow, { lineWidth: 0 })}`)
    .join("---\n");
}
