// The `env` group: the environment stack's lifecycle (lifecycle/) and the Compose export.
// The libraries are imported when a command runs, so --help and usage errors answer at once.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import type { EnvironmentStack } from "../lifecycle/environment.ts";
import { withoutSecrets, type PublicEnvironmentOutputs } from "../lifecycle/outputs.ts";
import { hostPortBaseOption, jsonOption, nodesOption, stackOption } from "./options.ts";
import { printJson, progress } from "./print.ts";
import { interruption } from "./signals.ts";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function describe(outputs: PublicEnvironmentOutputs): string {
  return [
    `run id:      ${outputs.runId}`,
    `prometheus:  ${outputs.prometheusUrl}`,
    `grafana:     ${outputs.grafanaUrl ?? "skipped (no registry for its image; dashboards are still provisioned as files)"}`,
    `registry:    ${outputs.registryUrl}`,
    ...outputs.nodes.map((n) => `${n.name.padEnd(12)} ${n.controlUrl}  (agent ${n.agentUrl})`),
  ].join("\n");
}

/** Opens the stack with crash recovery and runs one lifecycle step, stoppable by SIGINT/SIGTERM. */
async function withStack<T>(stack: string, work: (env: EnvironmentStack) => Promise<T>): Promise<T> {
  const { signal, dispose } = interruption();
  try {
    const { EnvironmentStack } = await import("../lifecycle/environment.ts");
    const env = await EnvironmentStack.open(stack, { onProgress: progress, signal });
    return await work(env);
  } finally {
    dispose();
  }
}

const report = (outputs: PublicEnvironmentOutputs, json: boolean | undefined) => {
  progress(describe(outputs));
  if (json) printJson(outputs);
};

/** Faults are rolled back before the environment goes; if that fails the agents' leases still do it. */
async function faultsFirst(stack: string): Promise<void> {
  const { rollBackEnvironmentFaults } = await import("../runner/teardown.ts");
  await rollBackEnvironmentFaults(stack, progress).catch((error: Error) =>
    progress(`rolling back faults failed (${error.message.split("\n")[0]}); their leases revert them`),
  );
}

export function registerEnv(program: Command): void {
  const env = program
    .command("env")
    .description("the environment stack: containers, certificates, Prometheus and fault agents on Docker");

  env
    .command("up")
    .description("build images if needed, then create or update the environment (refreshing it first)")
    .addOption(stackOption())
    .addOption(nodesOption())
    .option("--new-run-id", "start a new run in place: certificates and the agent token rotate, history stays")
    .addOption(jsonOption("the stack outputs (secrets left out)"))
    .action(async (o: { stack: string; nodes?: number; newRunId?: boolean; json?: boolean }) => {
      const outputs = await withStack(o.stack, (e) => e.up({ nodes: o.nodes, newRunId: o.newRunId }));
      report(withoutSecrets(outputs), o.json);
    });

  env
    .command("down")
    .description("destroy every resource of the stack (containers, network, volumes)")
    .addOption(stackOption())
    .addOption(jsonOption("{stack, destroyed}"))
    .action(async (o: { stack: string; json?: boolean }) => {
      await faultsFirst(o.stack);
      await withStack(o.stack, (e) => e.destroy());
      progress(`environment ${o.stack} destroyed`);
      if (o.json) printJson({ stack: o.stack, destroyed: true });
    });

  env
    .command("reset")
    .description("down, then up with a new run id (every certificate and the agent token rotate)")
    .addOption(stackOption())
    .addOption(nodesOption())
    .addOption(jsonOption("the stack outputs (secrets left out)"))
    .action(async (o: { stack: string; nodes?: number; json?: boolean }) => {
      await faultsFirst(o.stack);
      const outputs = await withStack(o.stack, (e) => e.reset({ nodes: o.nodes }));
      report(withoutSecrets(outputs), o.json);
    });

  env
    .command("purge")
    .description(
      "down where the state allows it, then remove every container, network and volume labelled with the stack " +
        "(even ones no state knows of) and forget the stack's state",
    )
    .addOption(stackOption())
    .addOption(jsonOption("{stack, removed}"))
    .action(async (o: { stack: string; json?: boolean }) => {
      await faultsFirst(o.stack);
      const removed = await withStack(o.stack, (e) => e.purge());
      if (o.json) printJson({ stack: o.stack, removed: removed.map((r) => `${r.kind} ${r.name}`) });
    });

  env
    .command("outputs")
    .description("the stack outputs: run id, node, agent, registry and Prometheus URLs, certificate fingerprints")
    .addOption(stackOption())
    .addOption(jsonOption("the stack outputs (secrets left out)"))
    .action(async (o: { stack: string; json?: boolean }) => {
      const { readEnvironment } = await import("../lifecycle/environment.ts");
      const outputs = withoutSecrets(await readEnvironment(o.stack));
      if (o.json) printJson(outputs);
      else process.stdout.write(`${describe(outputs)}\n`);
    });

  env
    .command("unlock")
    .description("remove the stack's lock left by an update on another machine (a stale lock of this machine is removed by any command)")
    .addOption(stackOption())
    .action(async (o: { stack: string }) => {
      const { unlockStack } = await import("../lifecycle/environment.ts");
      const removed = await unlockStack(o.stack);
      progress(removed.length > 0 ? `removed ${removed.length} lock(s): ${removed.join("; ")}` : `stack ${o.stack} was not locked`);
    });

  env
    .command("compose-export")
    .description("render the environment as docker-compose.chaos.yml plus the files it mounts, for Compose-only users")
    .addOption(stackOption().default("local", "local; names containers mkc-<stack>-*"))
    .addOption(nodesOption().default(3, "3"))
    .addOption(hostPortBaseOption())
    .option("--grafana", "include Grafana (its official image must be pullable)")
    .option("--out <dir>", "output directory, new, empty or a previous export (default: .artifacts/compose/<stack>)")
    .addOption(jsonOption("{composeFile}"))
    .action(async (o: { stack: string; nodes: number; hostPortBase?: number; grafana?: boolean; out?: string; json?: boolean }) => {
      const { exportCompose } = await import("../components/compose/export.ts");
      const { composeFileName } = await import("../components/compose/render.ts");
      const out = resolve(o.out ?? resolve(projectRoot, ".artifacts", "compose", o.stack));
      const dir = await exportCompose({ stack: o.stack, nodes: o.nodes, hostPortBase: o.hostPortBase, grafana: o.grafana ?? false, out });
      const composeFile = resolve(dir, composeFileName);
      if (o.json) printJson({ composeFile });
      else process.stdout.write(`${composeFile}\n`);
    });

  env
    .command("render")
    .description("render the environment as plain Kubernetes manifests (one file per object, kustomization.yaml), for users without Pulumi")
    .requiredOption("--platform <platform>", "kubernetes (Compose: use compose-export)")
    .requiredOption("--out <dir>", "output directory, new, empty or an earlier render")
    .addOption(stackOption().default("kube", "kube; its stacks/Pulumi.<stack>.yaml settings"))
    .addOption(nodesOption())
    .option("--namespace <ns>", "namespace of the environment (default: the stack's, mkc-<stack>)")
    .option("--set <key=value>", "override a setting, dotted key, JSON or string value (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(jsonOption("{out, objects: [{file, kind, name, namespace}]}"))
    .action(async (o: { platform: string; out: string; stack: string; nodes?: number; namespace?: string; set: string[]; json?: boolean }, command: Command) => {
      if (o.platform !== "kubernetes") {
        command.error(`error: --platform ${o.platform}: only kubernetes renders manifests; for Compose use \`meshkit-chaos env compose-export\``, { exitCode: 2, code: "meshkit.usage" });
      }
      const { renderKubernetes } = await import("../components/render/kubernetes.ts");
      const { OutputDirectoryError } = await import("../components/render/marked-directory.ts");
      const { SettingsError } = await import("../components/config.ts");
      try {
        const result = await renderKubernetes({ ...o, sets: o.set, out: resolve(o.out), projectRoot, onProgress: progress });
        progress(`rendered ${result.objects.length} objects (files mode 0600: the Secrets hold the run's keys and agent token); apply with kubectl apply -k ${result.out}`);
        if (o.json) printJson({ out: result.out, objects: result.objects });
        else process.stdout.write(`${result.out}\n`);
      } catch (error) {
        if (error instanceof SettingsError || error instanceof OutputDirectoryError) command.error(`error: ${error.message}`, { exitCode: 2, code: "meshkit.usage" });
        throw error;
      }
    });
}
