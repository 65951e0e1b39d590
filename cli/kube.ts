// The `kube` group: the local Kubernetes cluster (kube/) the `kube` stack uses by default.
// The library is imported when a command runs, so --help and usage errors answer at once.
import { InvalidArgumentError, Option, type Command } from "commander";
import { jsonOption } from "./options.ts";
import { printJson, progress } from "./print.ts";

/** Bounds of --simulated-nodes: kwok nodes are API objects, so thousands are fine. */
export const maxSimulatedNodes = 10_000;

export function parseSimulatedNodes(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`--simulated-nodes expects a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n > maxSimulatedNodes) throw new InvalidArgumentError(`--simulated-nodes is at most ${maxSimulatedNodes}, got ${n}`);
  return n;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export function registerKube(program: Command): void {
  const kube = program
    .command("kube")
    .description("the local Kubernetes cluster: a control plane and one real node on this host, kwok nodes on request");

  kube
    .command("up")
    .description("start the local cluster (or check that it runs) and wait until its node is Ready and DNS answers")
    .addOption(
      new Option("--simulated-nodes <n>", `exactly N kwok nodes mkc-kwok-<i> (0-${maxSimulatedNodes}; default: keep those there are)`).argParser(
        parseSimulatedNodes,
      ),
    )
    .addOption(jsonOption("the cluster status {running, apiServer, kubeconfig, nodes, pids, seconds}"))
    .action(async (o: { simulatedNodes?: number; json?: boolean }) => {
      const since = Date.now();
      const { clusterUp } = await import("../kube/cluster.ts");
      const status = await clusterUp({ simulatedNodes: o.simulatedNodes, log: progress });
      if (!status.running) throw new Error("the local cluster started but is not healthy: run `meshkit-chaos kube status` and read .kube-local/logs/");
      const real = status.nodes.filter((n) => !n.simulated).length;
      const simulated = status.nodes.filter((n) => n.simulated).length;
      progress(`local cluster up in ${seconds(since)}: ${status.apiServer}, ${real} real node(s), ${simulated} simulated`);
      progress(`kubeconfig: ${status.kubeconfig} (context ${status.context})\n  export KUBECONFIG=${status.kubeconfig}`);
      if (o.json) printJson({ ...status, seconds: (Date.now() - since) / 1000 });
    });

  kube
    .command("down")
    .description("stop the local cluster and remove everything it left on the host (processes, mounts, links, chains, cgroups)")
    .addOption(jsonOption("{stopped, removed, wasRunning}"))
    .action(async (o: { json?: boolean }) => {
      const since = Date.now();
      const { clusterDown } = await import("../kube/teardown.ts");
      const result = await clusterDown(progress);
      const wasRunning = result.stopped.length > 0;
      progress(wasRunning ? `local cluster down in ${seconds(since)}` : "the local cluster was not running; nothing left behind");
      if (result.removed.length > 0) progress(`removed: ${result.removed.join("; ")}`);
      if (o.json) printJson({ ...result, wasRunning });
    });

  kube
    .command("status")
    .description("whether the local cluster runs: API server, kubeconfig, nodes (Ready, simulated) and process ids")
    .addOption(jsonOption("{running, apiServer, apiServerReady, kubeconfig, context, dns, nodes, pids}"))
    .action(async (o: { json?: boolean }) => {
      const { clusterStatus } = await import("../kube/status.ts");
      const status = await clusterStatus();
      if (o.json) {
        printJson(status);
        return;
      }
      const lines = [
        `running:    ${status.running ? "yes" : "no"}`,
        `api server: ${status.apiServer} (${status.apiServerReady ? "ready" : "not ready"})`,
        `kubeconfig: ${status.kubeconfig} (context ${status.context})`,
        `dns:        ${status.dns ? "answers" : "not answering"}`,
        ...status.nodes.map((n) => `node ${n.name.padEnd(16)} ${n.ready ? "Ready" : "NotReady"}${n.simulated ? "  (simulated)" : ""}`),
        `processes:  ${Object.entries(status.pids).map(([name, pid]) => `${name}=${pid}`).join(" ") || "none"}`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
