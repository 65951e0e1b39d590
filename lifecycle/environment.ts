// The environment stack's lifecycle: open (with crash recovery), up, destroy, reset, purge, outputs.
// The CLI (cli/env.ts), the tests and the benchmarks call these; nothing here prints except through
// the progress callback, and no secret goes through it.
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalWorkspace, type OutputMap, type Stack } from "@pulumi/pulumi/automation/index.js";
import { initialRunId, parseSettings, projectName, type EnvironmentSettings } from "../components/config.ts";
import { configValue } from "../components/stack-settings.ts";
import { buildImages } from "../scripts/images.ts";
import { describeObjects, labelledObjects, pendingCreates, removeObjects, type DockerObject } from "./leftovers.ts";
import { labelledNamespaces, removeNamespaces, type ClusterObject } from "./kube-leftovers.ts";
import { fileBackendDir, forceUnlock, recoverStaleLocks, stackLocks, staleness, StackLockedError } from "./locks.ts";
import { parseEnvironmentOutputs, type EnvironmentOutputs } from "./outputs.ts";
import { findOrphans, startSession, stopProcesses } from "./processes.ts";
import { newRunId } from "./run-id.ts";
import { parseStackName } from "./stack-name.ts";

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface LifecycleOptions {
  /** Engine and lifecycle progress, one or more lines at a time (a CLI sends it to stderr). */
  readonly onProgress?: (text: string) => void;
  /** Aborting asks the engine to stop gracefully (SIGINT), so it finishes its step and unlocks. */
  readonly signal?: AbortSignal;
}

export interface UpOptions {
  /** Number of MeshKit nodes; the stack's setting when absent. */
  readonly nodes?: number;
  /** Start a new run in place: certificates and the agent token rotate, history stays. */
  readonly newRunId?: boolean;
}

const config = (key: string) => `${projectName}:${key}`;

/** Raw outputs with their values (secrets included: the caller decides what it prints). */
const values = (outputs: OutputMap): Record<string, unknown> =>
  Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.value]));

/** The stack's settings as its configuration holds them (the program reads the same keys), with `overrides`
 *  (flags) on top, judged together (node bounds depend on the platform). */
async function stackSettings(stack: Stack, name: string, overrides: Record<string, unknown> = {}): Promise<EnvironmentSettings> {
  const prefix = `${projectName}:`;
  const raw = Object.fromEntries(
    Object.entries(await stack.getAllConfig())
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, v]) => [key.slice(prefix.length), configValue(v.value)]),
  );
  return parseSettings({ ...raw, ...overrides }, `stacks/Pulumi.${name}.yaml`);
}

/**
 * Before any engine command: stop engine processes that a killed command left running, remove a lock
 * whose update died, and forget the creates it never recorded (removing what they made, by name and
 * label), so the next command neither hangs on a lock nor fails on a name already in use.
 */
async function recover(stack: Stack, name: string, log: (line: string) => void): Promise<void> {
  const orphans = await findOrphans(projectRoot);
  if (orphans.length > 0) {
    log(`recovery: stopping ${orphans.length} engine process(es) a killed command left: ${orphans.map((o) => `${o.name} (pid ${o.pid}: ${o.why})`).join("; ")}`);
    await stopProcesses(orphans);
  }
  await recoverStaleLocks(projectName, name, log);
  const exported = await stack.exportStack();
  const deployment = exported.deployment as { pending_operations?: unknown[] } | undefined;
  if (!deployment?.pending_operations?.length) return;
  // Kubernetes objects are applied server-side (an interrupted create is taken over, not refused): only
  // Docker's fixed names need the cleanup, and a kube stack never asks Docker.
  const creates = pendingCreates(deployment);
  const labelled = (await stackSettings(stack, name)).platform === "docker" ? await labelledObjects(name) : [];
  const made = labelled.filter((o) => creates.some((c) => c.kind === o.kind && c.name === o.name));
  if (made.length > 0) {
    log(`recovery: removing what an interrupted update created but never recorded: ${describeObjects(made)}`);
    await removeObjects(made);
  }
  log(`recovery: dropping ${deployment.pending_operations.length} operation(s) the interrupted update left pending`);
  await stack.importStack({ ...exported, deployment: { ...deployment, pending_operations: [] } });
}

export class EnvironmentStack {
  readonly name: string;
  readonly stack: Stack;
  readonly #options: LifecycleOptions;

  private constructor(name: string, stack: Stack, options: LifecycleOptions) {
    this.name = name;
    this.stack = stack;
    this.#options = options;
  }

  /** Creates or selects the stack and recovers from a command that was killed on it. */
  static async open(stackName: string, options: LifecycleOptions = {}): Promise<EnvironmentStack> {
    const name = parseStackName(stackName);
    await startSession();
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: projectRoot });
    const env = new EnvironmentStack(name, stack, options);
    await recover(stack, name, env.#log);
    return env;
  }

  readonly #log = (text: string): void => {
    this.#options.onProgress?.(text.endsWith("\n") ? text : `${text}\n`);
  };

  #engine() {
    return { onOutput: this.#log, onError: this.#log, color: "never" as const, signal: this.#options.signal };
  }

  /** Builds images if needed, then creates or updates the environment (refreshing it first, so that
   *  containers that vanished behind Pulumi's back are recreated). */
  async up(options: UpOptions = {}): Promise<EnvironmentOutputs> {
    if (options.nodes !== undefined) await stackSettings(this.stack, this.name, { nodes: options.nodes });
    const images = await buildImages((line) => this.#log(`images: ${line}`));
    const current = (await this.stack.getAllConfig())[config("runId")]?.value;
    const rotate = options.newRunId || !current || current === initialRunId;
    await this.stack.setAllConfig({
      [config("runId")]: { value: rotate ? newRunId() : current },
      [config("images")]: { value: JSON.stringify(images) },
      ...(options.nodes !== undefined ? { [config("nodes")]: { value: String(options.nodes) } } : {}),
    });
    const settings = await stackSettings(this.stack, this.name);
    // The local cluster's node never pulls: it gets the images from the Docker engine (another cluster pulls them itself).
    if (settings.platform === "kubernetes" && !settings.kubernetes.kubeconfig) {
      const { importImages } = await import("../kube/images.ts");
      await importImages(Object.values(images), (line) => this.#log(`images: ${line}`));
    }
    await this.stack.up({ ...this.#engine(), refresh: true });
    return this.outputs();
  }

  /** Destroys every resource of the stack (containers, network, volumes); the stack stays. */
  async destroy(): Promise<void> {
    await this.stack.destroy(this.#engine());
  }

  /** Destroy, then up with a new run id: every certificate and the agent token rotate. */
  async reset(options: Omit<UpOptions, "newRunId"> = {}): Promise<EnvironmentOutputs> {
    await this.destroy();
    return this.up({ ...options, newRunId: true });
  }

  /**
   * Destroy where the state allows it, then remove every container, network and volume (on
   * Kubernetes: namespace) labelled with this project and stack (a crashed run, a lost state) and forget the stack's state. The
   * stack's configuration file (committed under stacks/) stays. Returns what the label sweep removed.
   */
  async purge(): Promise<(DockerObject | ClusterObject)[]> {
    try {
      await this.destroy();
    } catch (error) {
      this.#log(`purge: destroy through the state failed, removing by label instead (${(error as Error).message.split("\n")[0]})`);
    }
    const settings = await stackSettings(this.stack, this.name);
    let left: (DockerObject | ClusterObject)[];
    if (settings.platform === "kubernetes") {
      // On Kubernetes the namespace holds everything: removing it removes its objects.
      const namespaces = await labelledNamespaces(this.name, settings.kubernetes);
      await removeNamespaces(namespaces, settings.kubernetes);
      left = namespaces;
    } else {
      const objects = await labelledObjects(this.name);
      await removeObjects(objects);
      left = objects;
    }
    this.#log(left.length > 0 ? `purge: removed ${describeObjects(left)}` : "purge: nothing labelled was left");
    await this.stack.workspace.removeStack(this.name, { force: true, preserveConfig: true });
    return left;
  }

  /** The parsed outputs (agent token included); an error that says how to bring it up when it is down. */
  async outputs(): Promise<EnvironmentOutputs> {
    return parseEnvironmentOutputs(values(await this.stack.outputs()), this.name);
  }

  /** Whether the stack has outputs at all (false after destroy). */
  async isUp(): Promise<boolean> {
    return Object.keys(await this.stack.outputs()).length > 0;
  }
}

/**
 * The environment stack's outputs, parsed, INCLUDING the agent token (a secret: never print it).
 * Reads only: it neither locks nor recovers the stack.
 */
export async function readEnvironment(stackName: string): Promise<EnvironmentOutputs> {
  const name = parseStackName(stackName);
  let stack: Stack;
  try {
    stack = await LocalWorkspace.selectStack({ stackName: name, workDir: projectRoot });
  } catch (error) {
    if (/no stack named|not found/i.test((error as Error).message)) {
      throw new Error(`environment stack ${name} does not exist: bring it up with \`npx meshkit-chaos env up --stack ${name}\``);
    }
    throw error;
  }
  return parseEnvironmentOutputs(values(await stack.outputs()), name);
}

/**
 * Removes the stack's locks after checking no process of this machine holds them: for a lock taken on
 * another machine (a shared state directory) whose update is known to be dead.
 */
export async function unlockStack(stackName: string): Promise<string[]> {
  const name = parseStackName(stackName);
  const backend = fileBackendDir();
  if (!backend) throw new Error("env unlock works on the file backend only (PULUMI_BACKEND_URL=file://…); use `pulumi cancel` for others");
  for (const lock of await stackLocks(backend, projectName, name)) {
    if ((await staleness(lock)) === undefined && lock.hostname === hostname()) {
      throw new StackLockedError(`stack ${name} is locked by the running process ${lock.pid} on this machine: stop it first (kill ${lock.pid})`);
    }
  }
  return (await forceUnlock(projectName, name, backend)).map((l) => `pid ${l.pid} on ${l.username}@${l.hostname} since ${l.timestamp}`);
}
