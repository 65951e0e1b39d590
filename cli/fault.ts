// The `fault` group: apply one fault for a while (through its own run stack), list what the agents and
// the run stacks hold, revert. The work is done by faults/ (catalog, planning) and runner/; the engine
// side (Pulumi's Automation API) is imported when a command runs, so --help answers at once.
import { type Command, InvalidArgumentError, Option } from "commander";
import { FaultInputError } from "../faults/errors.ts";
import { type FaultPlan, faultKindsInfo, parseFaultRequest, planFault } from "../faults/catalog.ts";
import type { ActiveReport } from "../runner/fault-run.ts";
import { parseDuration } from "../faults/duration.ts";
import { argument } from "./exit.ts";
import { jsonOption, stackOption } from "./options.ts";
import { printJson, progress } from "./print.ts";
import { interruption } from "./signals.ts";

/** `--set key=value`, repeatable; the catalog types and bounds-checks the values. */
const collectSet = (value: string, previous: Record<string, string>): Record<string, string> => {
  const cut = value.indexOf("=");
  if (cut <= 0) throw new InvalidArgumentError(`--set expects key=value, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, cut)]: value.slice(cut + 1) };
};

interface ApplyFlags {
  target?: string;
  set: Record<string, string>;
  duration?: string;
  lease: number;
  seed: string;
  stack: string;
  json?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  via: "agent" | "chaos-mesh";
}

/** Bad input is a usage error (exit 2): nothing was applied. */
function usageError(command: Command, error: unknown, also?: new (...args: never[]) => Error): never {
  if (error instanceof FaultInputError || (also && error instanceof also)) {
    command.error(`error: ${error.message}`, { exitCode: 2, code: "meshkit.usage" });
  }
  throw error;
}

const engine = async () => ({
  ...(await import("../lifecycle/environment.ts")),
  ...(await import("../runner/fault-run.ts")),
  ...(await import("../runner/fault-inventory.ts")),
  ...(await import("../runner/ownership.ts")),
  ...(await import("../runner/run-stack.ts")),
  ...(await import("../runner/topology.ts")),
});

async function plan(command: Command, kind: string, flags: ApplyFlags) {
  const { readEnvironment, readTopology, assertApplicable, OwnershipError } = await engine();
  let request;
  try {
    request = parseFaultRequest({ kind, targets: flags.target ?? null, set: flags.set, duration: flags.duration });
  } catch (error) {
    usageError(command, error, OwnershipError);
  }
  const access = await readEnvironment(flags.stack);
  const topology = await readTopology(access.nodes);
  try {
    const planned = planFault(request, topology, flags.seed);
    await assertApplicable(flags.stack, planned, access);
    return { plan: planned, access };
  } catch (error) {
    usageError(command, error, OwnershipError);
  }
}

const activeLine = (a: ActiveReport) => ({
  id: a.id,
  kind: a.kind,
  targets: a.targets,
  mechanism: a.mechanism,
  applyMs: a.applyMs,
  evidence: Object.fromEntries(a.agents.map((x) => [x.nodeId, x.evidence])),
  runStack: a.runStack,
});

export function registerFault(program: Command): void {
  const fault = program.command("fault").description("inject faults into an environment; destroying them is the rollback");

  fault
    .command("kinds")
    .description("the fault catalog: kinds, parameters, units, bounds and defaults")
    .addOption(jsonOption("the catalog"))
    .action((flags: { json?: boolean }) => {
      const kinds = faultKindsInfo();
      if (flags.json) return printJson(kinds);
      for (const k of kinds) {
        progress(`${k.kind.padEnd(20)} ${k.summary}`);
        for (const p of k.params) progress(`    --set ${p.name}=…  ${p.summary ?? ""} [${p.unit ?? ""}]`);
        progress(`    chaos mesh: ${k.chaosMesh.kind ?? "none"} — ${k.chaosMesh.note}`);
      }
    });

  fault
    .command("apply")
    .description("apply a fault, hold it for --duration while renewing its lease, then roll it back (also on SIGINT/SIGTERM)")
    .argument("<kind>", "fault kind (`meshkit-chaos fault kinds` lists them)")
    .option("--target <selector>", "node names (node-2,node-3), all, count:N, percent:P, role:leader[:scope]")
    .option("--set <key=value>", "a parameter of the kind (repeatable)", collectSet, {})
    .option("--duration <time>", "how long the fault holds, e.g. 30s, 2m (default: the kind's)")
    .addOption(
      new Option("--lease <time>", "agent lease, renewed every third of it; a killed CLI leaves the fault for at most this long")
        .default(10, "10s")
        .argParser(argument((v) => Math.max(1, Math.round(parseDuration(v, { name: "--lease", minMs: 1_000, maxMs: 3_600_000 }) / 1000)))),
    )
    .option("--seed <seed>", "seed of random target picks (count:, percent:); the same seed picks the same nodes", "meshkit")
    .option("--dry-run", "plan and `pulumi preview` the run stack; nothing is injected")
    .option("--verbose", "show the engine's progress")
    .addOption(
      new Option("--via <how>", "agent: the agents inject it; chaos-mesh: Chaos Mesh CRs in the cluster of a Kubernetes stack (object lifecycle only: no controller runs here)")
        .choices(["agent", "chaos-mesh"])
        .default("agent"),
    )
    .addOption(stackOption())
    .addOption(jsonOption("a line when the fault is verified active and a line when it is verified reverted"))
    .action(async (kind: string, flags: ApplyFlags, command: Command) => {
      if (flags.via === "chaos-mesh") return (await import("./fault-chaos-mesh.ts")).applyViaChaosMesh(command, kind, flags);
      const { plan: p, access } = await plan(command, kind, flags);
      const { RunStack, runFault, runStackFault } = await engine();
      progress(p.description);
      const onOutput = flags.verbose ? progress : undefined;
      if (flags.dryRun) {
        const stack = await RunStack.open(flags.stack, `${p.id}-dry`, { onOutput });
        try {
          const preview = await stack.preview([{ ...runStackFault(p, flags.lease), ttlSeconds: flags.lease }]);
          progress(preview.trim());
        } finally {
          await stack.destroyAndRemove();
        }
        if (flags.json) printJson({ dryRun: true, id: p.id, kind: p.kind, targets: p.targets, description: p.description, agentRequests: p.agentRequests, chaosMesh: p.chaosMesh });
        return;
      }
      const { signal, dispose } = interruption();
      try {
        const result = await runFault({
          envStack: flags.stack,
          access,
          fault: runStackFault(p, flags.lease),
          durationMs: p.durationMs,
          leaseSeconds: flags.lease,
          signal,
          onOutput,
          onActive: (a) => {
            const where = p.surge ? `${p.surge.count} joined node(s)` : a.targets.join(", ");
            progress(`${a.id}: active on ${where} via ${a.mechanism} in ${a.applyMs} ms; holding for ${p.duration}`);
            if (flags.json) printJson(activeLine(a));
          },
        });
        const r = result.reverted;
        progress(`${r.id}: reverted (${r.reason}) in ${r.revertMs} ms; ${r.verified ? "no agent holds it" : `still held by ${r.stillHeldBy.join(", ")}`}`);
        if (flags.json) printJson(r);
        if (!r.verified) process.exitCode = 1;
      } finally {
        dispose();
      }
    });

  fault
    .command("list")
    .description("faults the agents hold, faults the run stacks hold, and any mismatch between them")
    .addOption(stackOption())
    .addOption(jsonOption("the inventory"))
    .action(async (flags: { stack: string; json?: boolean }) => {
      const { inventory, readEnvironment } = await engine();
      const { agentAccess, chaosMeshListing, printChaosMeshListing } = await import("./fault-chaos-mesh.ts");
      const chaosMesh = await chaosMeshListing(flags.stack);
      const found = { ...(await inventory(flags.stack, await agentAccess(flags.stack, readEnvironment))), ...(chaosMesh ? { chaosMesh } : {}) };
      if (flags.json) return printJson(found);
      printChaosMeshListing(chaosMesh);
      if (found.agents.length === 0) progress("agents: no active fault");
      for (const f of found.agents) progress(`agent ${f.node}: ${f.id} ${f.kind} via ${f.mechanism}, lease until ${f.leaseExpiresAt}`);
      for (const u of found.unreachable) progress(`agent ${u.node}: unreachable (${u.error})`);
      for (const f of found.runStacks) progress(`run stack ${f.runStack}: ${f.id} on ${f.node} (${f.kind})`);
      for (const m of found.mismatches) progress(`mismatch: ${m}`);
    });

  fault
    .command("revert")
    .description("revert faults at the agents at once, then destroy the run stacks that held them (and their Chaos Mesh CRs)")
    .argument("[ids...]", "fault ids (see `fault list`)")
    .option("--all", "every fault of the environment, and every run stack")
    .addOption(stackOption())
    .addOption(jsonOption("what was reverted"))
    .action(async (ids: string[], flags: { all?: boolean; stack: string; json?: boolean }, command: Command) => {
      if (!flags.all && ids.length === 0) command.error("error: name fault ids or --all", { exitCode: 2, code: "meshkit.usage" });
      const { revertFaults, readEnvironment } = await engine();
      const { agentAccess } = await import("./fault-chaos-mesh.ts");
      const outcome = await revertFaults(flags.stack, await agentAccess(flags.stack, readEnvironment), flags.all ? "all" : { ids });
      for (const r of outcome.reverted) progress(`${r.id} on ${r.nodeId}: reverted in ${Math.round(r.revertMs)} ms${r.verified ? ", verified" : ", NOT verified"}`);
      for (const s of outcome.runStacksDestroyed) progress(`run stack ${s}: destroyed`);
      if (outcome.reverted.length === 0 && outcome.runStacksDestroyed.length === 0) progress("nothing to revert");
      if (flags.json) printJson(outcome);
      if (outcome.reverted.some((r) => !r.verified)) process.exitCode = 1;
    });
}
