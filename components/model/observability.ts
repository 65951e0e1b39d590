import { agentApi } from "../../agent/contract.ts";
import { kubernetesNamespace, projectName, type EnvironmentSettings } from "../config.ts";
import { objectNames } from "../platforms/kubernetes/names.ts";
import {
  defaultLayout,
  grafanaDir,
  observabilityFiles,
  prometheusDir,
  type ObservabilityInput,
} from "../observability/index.ts";
import type { KubernetesDiscovery } from "../observability/input.ts";
import { nodeName, portNames, registryName } from "./build.ts";
import { labelKeys, type FileSpec } from "./environment.ts";

/**
 * On Kubernetes the nodes are one StatefulSet: Prometheus finds its pods (and their agent sidecars)
 * through the headless Services' SRV records, an operator's Prometheus by label and port name.
 */
function kubernetesDiscovery(stack: string, settings: EnvironmentSettings): KubernetesDiscovery {
  const { control } = settings.node.ports;
  return {
    namespace: kubernetesNamespace(stack, settings),
    clusterDomain: "cluster.local",
    podLabels: { [labelKeys.project]: projectName, [labelKeys.stack]: stack },
    roleLabel: labelKeys.role,
    nodeLabel: labelKeys.node,
    jobs: {
      node: { podRole: "node", service: objectNames.nodes, port: portNames.control, portNumber: control },
      registry: { podRole: "registry", service: objectNames.registry, port: portNames.control, portNumber: control },
      // The agent is a container of the node's pod.
      agent: { podRole: "node", service: objectNames.nodes, port: portNames.agent, portNumber: agentApi.port },
    },
  };
}

/** The observability input of an environment: who is scraped, where, with which labels. */
export function observabilityInput(stack: string, settings: EnvironmentSettings): ObservabilityInput {
  const { control } = settings.node.ports;
  const nodes = Array.from({ length: settings.nodes }, (_, i) => nodeName(i));
  return {
    environment: { project: projectName, stack },
    scrape: {
      node: {
        metricsPath: settings.node.metricsPath,
        targets: nodes.map((n) => ({ address: `${n}:${control}`, labels: { node: n, role: "node" } })),
      },
      registry: {
        metricsPath: settings.node.metricsPath,
        targets: [{ address: `${registryName}:${control}`, labels: { node: registryName, role: "registry" } }],
      },
      // Agents share their node's network namespace, so they answer on the node's name.
      agent: {
        metricsPath: agentApi.paths.metrics,
        targets: nodes.map((n) => ({ address: `${n}:${agentApi.port}`, labels: { node: n, role: "agent" } })),
      },
    },
    ...(settings.platform === "kubernetes" ? { kubernetes: kubernetesDiscovery(stack, settings) } : {}),
    scrapeIntervalSeconds: settings.scrapeIntervalSeconds,
    grafana: { prometheusUrl: "http://prometheus:9090" },
  };
}

/** Generated files placed at their paths inside the Prometheus and Grafana containers. */
export function environmentObservabilityFiles(stack: string, settings: EnvironmentSettings): { prometheus: FileSpec<string>[]; grafana: FileSpec<string>[] } {
  const files = observabilityFiles(observabilityInput(stack, settings));
  const under = (dir: string) => files.filter((f) => f.path.startsWith(`${dir}/`));
  const strip = (path: string, dir: string) => path.slice(dir.length + 1);
  const grafanaPath = (path: string): string => {
    const rest = strip(path, grafanaDir);
    return rest.startsWith("dashboards/")
      ? `${defaultLayout.grafanaDashboardsDir}/${strip(rest, "dashboards")}`
      : `/etc/grafana/${rest}`;
  };
  return {
    prometheus: under(prometheusDir).map((f) => ({
      path: `${defaultLayout.prometheusConfigDir}/${strip(f.path, prometheusDir)}`,
      content: f.content,
    })),
    grafana: under(grafanaDir).map((f) => ({ path: grafanaPath(f.path), content: f.content })),
  };
}
