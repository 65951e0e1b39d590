// `npm run env:up|env:down|env:reset`: the environment stack's lifecycle through the Automation API.
// Progress goes to stderr; with --json the last stdout line is the stack outputs (secrets left out).
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LocalWorkspace, type OutputMap, type Stack } from "@pulumi/pulumi/automation/index.js";
import { execa } from "execa";
import { initialRunId, parseSettings, projectName } from "../components/config.ts";
import { labelKeys } from "../components/model/environment.ts";
import { buildImages } from "./images.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const usage = `usage: npm run env:<up|down|reset|purge> -- [--stack NAME] [--nodes N] [--json]

  up     build images if needed, then create or update the environment stack (refreshing it first,
         so containers that vanished behind Pulumi's back are recreated)
  down   destroy every resource of the stack (containers, network, volumes)
  reset  down, then up with a new run id (rotates every certificate and the agent token)
  purge  down where the state allows it, then remove every container, network and volume labelled
         with the stack, even ones no state knows of (a crashed run, another checkout), and forget
         the stack's state

  --stack NAME  stack to use (default: local)
  --nodes N     number of MeshKit nodes (default: the stack's setting, 3)
  --new-run-id  with up: start a new run in place (rotates certificates and the agent token;
                resources that hold no run secret are kept)
  --json        print the stack outputs as one JSON line on stdout at the end
  --help        this text`;

export type Command = "up" | "down" | "reset" | "purge";

export interface EnvOptions {
  readonly command: Command;
  readonly stack: string;
  readonly nodes?: number;
  readonly json: boolean;
  readonly newRunId: boolean;
}

export class UsageError extends Error {}

export function parseCommandLine(argv: readonly string[]): EnvOptions | "help" {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      stack: { type: "string", default: "local" },
      nodes: { type: "string" },
      json: { type: "boolean", default: false },
      "new-run-id": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return "help";
  const command = positionals[0];
  if (command !== "up" && command !== "down" && command !== "reset" && command !== "purge") {
    throw new UsageError(`unknown command ${JSON.stringify(command ?? "")}: expected up, down, reset or purge`);
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  let nodes: number | undefined;
  if (values.nodes !== undefined) {
    if (!/^\d+$/.test(values.nodes)) throw new UsageError(`--nodes expects a whole number, got ${JSON.stringify(values.nodes)}`);
    // The same schema as the stack config, so the limits are stated once.
    try {
      nodes = parseSettings({ nodes: Number(values.nodes) }, "--nodes").nodes;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (!/^[a-z][a-z0-9-]*$/.test(values.stack)) throw new UsageError(`--stack expects a lower-case stack name, got ${JSON.stringify(values.stack)}`);
  return { command, stack: values.stack, nodes, json: values.json, newRunId: values["new-run-id"] };
}

const makeRunId = (): string => `run-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(3).toString("hex")}`;

const progress = (line: string): void => {
  process.stderr.write(line.endsWith("\n") ? line : `${line}\n`);
};

/** Outputs a pipeline may read: every non-secret stack output. */
export function publicOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).filter(([, o]) => !o.secret).map(([k, o]) => [k, o.value]));
}

async function openStack(name: string): Promise<Stack> {
  return LocalWorkspace.createOrSelectStack({ stackName: name, workDir: root });
}

async function up(stack: Stack, options: EnvOptions, rotate: boolean): Promise<void> {
  const images = await buildImages((line) => progress(`images: ${line}`));
  const config = await stack.getAllConfig();
  const current = config[`${projectName}:runId`]?.value;
  await stack.setAllConfig({
    [`${projectName}:runId`]: { value: rotate || !current || current === initialRunId ? makeRunId() : current },
    [`${projectName}:images`]: { value: JSON.stringify(images) },
    ...(options.nodes !== undefined ? { [`${projectName}:nodes`]: { value: String(options.nodes) } } : {}),
  });
  await stack.up({ onOutput: progress, color: "never", refresh: true });
}

/** Removes what carries the stack's label, whatever the state says; returns what it removed. */
async function purgeLabelled(stackName: string): Promise<string[]> {
  const filter = ["--filter", `label=${labelKeys.stack}=${stackName}`, "--filter", `label=${labelKeys.project}=${projectName}`];
  const removed: string[] = [];
  const ids = async (...args: string[]) => (await execa("docker", [...args, "-q", ...filter])).stdout.split("\n").filter(Boolean);
  for (const [kind, list, remove] of [
    ["container", ["ps", "-a"], ["rm", "-f", "-v"]],
    ["network", ["network", "ls"], ["network", "rm"]],
    ["volume", ["volume", "ls"], ["volume", "rm", "-f"]],
  ] as const) {
    const found = await ids(...list);
    if (found.length > 0) await execa("docker", [...remove, ...found]);
    removed.push(...found.map((id) => `${kind} ${id.slice(0, 12)}`));
  }
  return removed;
}

async function purge(stack: Stack, name: string): Promise<void> {
  // A run that was killed mid-update leaves its lock behind; purging means nobody else is updating.
  await stack.cancel().catch(() => undefined);
  try {
    await stack.destroy({ onOutput: progress, color: "never" });
  } catch (error) {
    progress(`purge: destroy through the state failed, removing by label instead (${(error as Error).message.split("\n")[0]})`);
  }
  const removed = await purgeLabelled(name);
  progress(removed.length > 0 ? `purge: removed ${removed.join(", ")}` : "purge: nothing labelled was left");
  // The stack file is committed (stacks/), so its configuration stays.
  await stack.workspace.removeStack(name, { force: true, preserveConfig: true });
}

export async function run(options: EnvOptions): Promise<Record<string, unknown>> {
  const stack = await openStack(options.stack);
  if (options.command === "purge") {
    await purge(stack, options.stack);
    return {};
  }
  if (options.command !== "up") {
    await stack.destroy({ onOutput: progress, color: "never" });
  }
  if (options.command !== "down") {
    await up(stack, options, options.command === "reset" || options.newRunId);
  }
  return publicOutputs(await stack.outputs());
}

function describe(outputs: Record<string, unknown>): string {
  const nodes = (outputs.nodes as { name: string; controlUrl: string; agentUrl: string }[] | undefined) ?? [];
  if (nodes.length === 0) return "environment destroyed";
  return [
    `run id:      ${String(outputs.runId)}`,
    `prometheus:  ${String(outputs.prometheusUrl)}`,
    `grafana:     ${outputs.grafanaUrl ? String(outputs.grafanaUrl) : "skipped (no registry for its image; dashboards are still provisioned as files)"}`,
    `registry:    ${String(outputs.registryUrl)}`,
    ...nodes.map((n) => `${n.name.padEnd(12)} ${n.controlUrl}  (agent ${n.agentUrl})`),
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const options = parseCommandLine(process.argv.slice(2));
    if (options === "help") {
      console.log(usage);
    } else {
      const outputs = await run(options);
      progress(describe(outputs));
      if (options.json) console.log(JSON.stringify(outputs));
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`error: ${(error as Error).message}\n\n${usage}`);
      process.exit(2);
    }
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
}
