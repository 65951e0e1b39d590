// The run stack: one small Pulumi stack per run (`<env-stack>.run-<id>`) that holds only Fault
// resources and reads the environment stack through a StackReference. Each step is one update of this
// stack (the environment stack is never locked or touched); its destroy rolls back every fault left.
// Driven through the Automation API with an inline program, so no language host and no program on disk.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation/index.js";
import { projectName } from "../components/config.ts";
import { faultLabels, type ChaosMeshResource } from "../faults/chaos-mesh.ts";
import { Fault, faultResourceType } from "../faults/resource/fault.ts";
import { labelKeys } from "../components/model/environment.ts";
import { recoverStaleLocks } from "../lifecycle/locks.ts";
import { parseStackName } from "../lifecycle/stack-name.ts";
import { environmentOutputs, type JoinKit } from "../lifecycle/outputs.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the run project's settings and stack files live (git-ignored machine state). */
const runsDir = join(root, ".pulumi-runs");
export const runProjectName = `${projectName}-run`;

/**
 * The run project's Pulumi.yaml, written once and atomically: the Automation API rewrites the file
 * on every workspace it is handed settings for, and runners, CLIs and tests open run stacks
 * concurrently — one of them would read the file half-written.
 */
function ensureRunProject(): void {
  const file = join(runsDir, "Pulumi.yaml");
  const content = `name: ${runProjectName}\nruntime: nodejs\n`;
  if (existsSync(file) && readFileSync(file, "utf8") === content) return;
  mkdirSync(runsDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

/** One fault as the run stack declares it: one resource per node the fault plan touches. */
export interface RunStackFault {
  readonly id: string;
  readonly kind: string;
  readonly targets: readonly string[];
  readonly ttlSeconds: number;
  readonly agentRequests: readonly { readonly node: string; readonly params: Record<string, unknown> }[];
  /**
   * membership-surge: nodes that join while the fault holds. No agent holds them, so they bound their
   * own life (`lifetimeSeconds`): a runner that dies cannot leave them behind for longer.
   */
  readonly surge?: { readonly count: number; readonly lifetimeSeconds: number };
  /**
   * `--via chaos-mesh`: the fault as Chaos Mesh custom resources in the cluster of a Kubernetes stack
   * instead of agent requests (destroying the run stack deletes them).
   */
  readonly chaosMesh?: {
    readonly kubeconfig: string;
    readonly context?: string;
    readonly resources: readonly ChaosMeshResource[];
  };
}

/** Pulumi type of a Chaos Mesh CR in the run stack's state: `kubernetes:chaos-mesh.org/v1alpha1:NetworkChaos`. */
const chaosMeshResourceType = /^kubernetes:chaos-mesh\.org\/v1alpha1:/;

/** Label on everything a fault adds to the environment (the nodes of a membership-surge). */
export const faultLabel = "meshkit-chaos.fault";

/** Joiners of a membership-surge: containers on the environment network, built from its join kit. */
function joiners(fault: RunStackFault, kit: pulumi.Output<JoinKit>): void {
  for (let i = 1; i <= (fault.surge?.count ?? 0); i++) {
    const name = `${fault.id}-${i}`;
    new docker.Container(name, {
      name: pulumi.interpolate`${kit.prefix}-${name}`,
      image: kit.image,
      hostname: name,
      networksAdvanced: [{ name: kit.network, aliases: [name] }],
      // `timeout` ends the joiner after its lifetime even if nobody destroys it; SIGTERM makes the node leave.
      entrypoints: ["timeout", "--signal=TERM", String(fault.surge!.lifetimeSeconds), "/opt/meshkit/bin/supervise"],
      envs: kit.apply((k) => Object.entries({ ...k.env, ...Object.fromEntries(k.identityEnv.map((key) => [key, name])) }).map(([key, v]) => `${key}=${v}`)),
      uploads: kit.apply((k) => k.files.map((f) => ({ file: f.path, content: f.content, permissions: f.secret ? "0600" : "0644" }))),
      labels: kit.apply((k) => Object.entries({ ...k.labels, [labelKeys.node]: name, [faultLabel]: fault.id }).map(([label, value]) => ({ label, value }))),
      healthcheck: kit.apply((k) =>
        k.healthcheck
          ? { tests: k.healthcheck.test, interval: `${k.healthcheck.intervalSeconds}s`, timeout: `${k.healthcheck.timeoutSeconds}s`, retries: k.healthcheck.retries, startPeriod: `${k.healthcheck.startPeriodSeconds}s` }
          : undefined,
      ),
      wait: true,
      waitTimeout: 120,
      restart: "no",
      destroyGraceSeconds: 10,
    });
  }
}

/**
 * Chaos Mesh CRs through one Kubernetes provider on the stack's cluster, with the project's labels
 * added. @pulumi/kubernetes is loaded only when a fault has CRs: the agent path does not pay for it.
 */
async function chaosMeshResources(envStack: string, faults: readonly RunStackFault[]): Promise<void> {
  const withCrs = faults.filter((f) => f.chaosMesh && f.chaosMesh.resources.length > 0);
  if (withCrs.length === 0) return;
  const k8s = await import("@pulumi/kubernetes");
  const cluster = withCrs[0]!.chaosMesh!;
  // The kubeconfig by path: its credentials stay in the file, not in the run stack's state.
  const provider = new k8s.Provider("chaos-mesh-cluster", { kubeconfig: cluster.kubeconfig, ...(cluster.context ? { context: cluster.context } : {}) });
  for (const fault of withCrs) {
    for (const cr of fault.chaosMesh!.resources) {
      new k8s.apiextensions.CustomResource(
        `${cr.kind.toLowerCase()}-${cr.metadata.name}`,
        {
          apiVersion: cr.apiVersion,
          kind: cr.kind,
          metadata: { ...cr.metadata, labels: { ...cr.metadata.labels, [labelKeys.project]: projectName, [labelKeys.stack]: envStack } },
          spec: cr.spec,
        },
        { provider },
      );
    }
  }
}

/** The engine's failure as the lines a user acts on (`error: node-1: apply … failed: 412 …`), not its whole log. */
export class RunStackError extends Error {
  override name = "RunStackError";
}

async function engine<T>(what: string, stackName: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const text = String((error as { stderr?: string }).stderr ?? "") + String((error as { stdout?: string }).stdout ?? "") + String((error as Error).message);
    const reasons = [...new Set([...text.matchAll(/error: (?!update failed)([^\n]+)/g)].map((m) => m[1]!.trim()))];
    throw new RunStackError(`${what} of run stack ${stackName} failed:\n  ${(reasons.length > 0 ? reasons : [text.split("\n")[0]]).join("\n  ")}`, { cause: error });
  }
}

export const runStackName = (envStack: string, runId: string): string => `${envStack}.run-${runId}`;
export const runIdOf = (envStack: string, runStack: string): string => runStack.slice(`${envStack}.run-`.length);

/** The inline program: the environment through a StackReference, one Fault per (fault, node); Chaos Mesh CRs. */
function program(envStack: string, faults: readonly RunStackFault[]) {
  return async () => {
    await chaosMeshResources(envStack, faults);
    // Chaos Mesh CRs alone need nothing of the environment's outputs (its stack may not even be up).
    const viaEnvironment = faults.filter((f) => !f.chaosMesh);
    if (viaEnvironment.length === 0) return { faults: faults.map((f) => f.id) };
    const environment = new pulumi.StackReference(`organization/${projectName}/${envStack}`);
    // The environment's outputs are parsed with the one outputs schema (lifecycle/outputs.ts).
    const nodes = environment.requireOutput("nodes").apply((v) => environmentOutputs.shape.nodes.parse(v));
    const token = environment.requireOutput("agentToken").apply((v) => environmentOutputs.shape.agentToken.parse(v));
    for (const fault of viaEnvironment) {
      if (fault.surge) joiners(fault, environment.requireOutput("joinKit").apply((v) => environmentOutputs.shape.joinKit.parse(v)));
      for (const request of fault.agentRequests) {
        const agentUrl = nodes.apply((list) => {
          const node = list.find((n) => n.name === request.node);
          if (!node) throw new Error(`fault ${fault.id}: node ${request.node} is not in environment ${envStack} (nodes: ${list.map((n) => n.name).join(", ")})`);
          return node.agentUrl;
        });
        new Fault(`${fault.id}-${request.node}`, {
          agentUrl,
          token,
          faultId: fault.id,
          node: request.node,
          kind: fault.kind,
          params: request.params,
          targets: [...fault.targets],
          ttlSeconds: fault.ttlSeconds,
        });
      }
    }
    return { faults: faults.map((f) => f.id) };
  };
}

export interface RunStackOptions {
  /** Engine progress lines (stderr of a CLI). */
  readonly onOutput?: (line: string) => void;
}

export class RunStack {
  readonly name: string;
  readonly envStack: string;
  readonly #stack: Stack;
  readonly #onOutput: (line: string) => void;

  private constructor(name: string, envStack: string, stack: Stack, onOutput: (line: string) => void) {
    this.name = name;
    this.envStack = envStack;
    this.#stack = stack;
    this.#onOutput = onOutput;
  }

  static async open(envStack: string, runId: string, options: RunStackOptions = {}): Promise<RunStack> {
    ensureRunProject();
    const name = runStackName(parseStackName(envStack, "environment stack"), runId);
    // A runner or engine killed mid-update leaves the run stack locked; a dead holder's lock goes.
    await recoverStaleLocks(runProjectName, name, options.onOutput ?? (() => {}));
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: name, projectName: runProjectName, program: program(envStack, []) },
      { workDir: runsDir },
    );
    return new RunStack(name, envStack, stack, options.onOutput ?? (() => {}));
  }

  /** Makes the stack hold exactly these faults: new ones are applied, missing ones reverted. */
  async set(faults: readonly RunStackFault[]): Promise<void> {
    this.#stack.workspace.program = program(this.envStack, faults);
    await engine("update", this.name, () => this.#stack.up({ onOutput: this.#onOutput, color: "never" }));
  }

  /** `pulumi preview` of holding these faults: nothing is injected. */
  async preview(faults: readonly RunStackFault[]): Promise<string> {
    this.#stack.workspace.program = program(this.envStack, faults);
    const result = await engine("preview", this.name, () => this.#stack.preview({ color: "never" }));
    return result.stdout;
  }

  /** Reads every fault back from its agent: faults the lease or a human removed drop out of the state. */
  async refresh(): Promise<string> {
    const result = await engine("refresh", this.name, () => this.#stack.refresh({ onOutput: this.#onOutput, color: "never" }));
    return result.stdout;
  }

  /** The faults the state holds: resource name, fault id and node. */
  async held(): Promise<{ faultId: string; node: string; kind: string; agentUrl: string }[]> {
    const state = await this.#stack.exportStack();
    const resources = (state.deployment as { resources?: { type: string; outputs?: Record<string, unknown> }[] }).resources ?? [];
    return resources
      .filter((r) => r.type === faultResourceType && r.outputs?.faultId)
      .map((r) => ({
        faultId: String(r.outputs!.faultId),
        node: String(r.outputs!.node),
        kind: String(r.outputs!.kind),
        agentUrl: String(r.outputs!.agentUrl),
      }));
  }

  /** The Chaos Mesh CRs the state holds: fault id, fault kind, CR kind, name and namespace. */
  async heldChaosMesh(): Promise<{ faultId: string; kind: string; crKind: string; name: string; namespace: string }[]> {
    const state = await this.#stack.exportStack();
    const resources = (state.deployment as { resources?: { type: string; outputs?: Record<string, unknown> }[] }).resources ?? [];
    return resources
      .filter((r) => chaosMeshResourceType.test(r.type) && r.outputs?.metadata)
      .map((r) => {
        const metadata = r.outputs!.metadata as { name: string; namespace: string; labels?: Record<string, string> };
        return {
          faultId: metadata.labels?.[faultLabels.faultId] ?? "",
          kind: metadata.labels?.[faultLabels.faultKind] ?? "",
          crKind: String(r.outputs!.kind),
          name: metadata.name,
          namespace: metadata.namespace,
        };
      });
  }

  /** Rolls back every fault the stack still holds, then forgets the stack. */
  async destroyAndRemove(): Promise<void> {
    await engine("destroy", this.name, () => this.#stack.destroy({ onOutput: this.#onOutput, color: "never" }));
    await this.#stack.workspace.removeStack(this.name);
  }
}

/** Run stacks that exist for an environment stack (a killed run leaves one behind). */
export async function listRunStacks(envStack: string): Promise<string[]> {
  ensureRunProject();
  const ws = await LocalWorkspace.create({ workDir: runsDir });
  const stacks = await ws.listStacks();
  return stacks.map((s) => s.name).filter((n) => n.startsWith(`${envStack}.run-`));
}
