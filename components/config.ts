import { z } from "zod";
import { paths, ports } from "../contract/meshkit.ts";

// Stack settings of the chaos environment, parsed once at the edge (stack config or CLI flags).
// Every default lives here; Pulumi.yaml declares the same keys for `pulumi config` users.

export const projectName = "meshkit-chaos";

export const imageNames = {
  node: "meshkit-chaos/node",
  agent: "meshkit-chaos/agent",
  prometheus: "meshkit-chaos/prometheus",
} as const;

export const grafanaImage = "grafana/grafana-oss:11.6.0";

/** Run id of a stack nobody started a run on yet (plain `pulumi up`); `env:up` replaces it. */
export const initialRunId = "initial";

const port = z.number().int().min(1).max(65535);

export const nodeImageSettings = z
  .object({
    /** Image of the system under test; a real OmniRelay/MeshKit image can replace the reference node. */
    image: z.string().min(1).optional(),
    ports: z
      .object({ gossip: port.default(ports.gossip), control: port.default(ports.control), data: port.default(ports.data) })
      .prefault({}),
    /** Extra environment for every node (MeshKit keys in env-var form). */
    env: z.record(z.string(), z.string()).default({}),
    metricsPath: z.string().startsWith("/").default(paths.metrics),
  })
  .strict();

/** A Kubernetes object name (RFC 1123 label): namespaces, StatefulSets, Services. */
const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "lower-case letters, digits and dashes (a DNS label)");

/** Where and how the environment runs on Kubernetes (platform `kubernetes`, the `kube` stack). */
export const kubernetesSettings = z
  .object({
    /** Kubeconfig file; absent = the local cluster of `meshkit-chaos kube up` (kube/paths.ts). */
    kubeconfig: z.string().min(1).optional(),
    /** Context in the kubeconfig; absent = its current context. */
    context: z.string().min(1).optional(),
    /** Namespace of the environment; absent = `mkc-<stack>`. Two environments need two namespaces. */
    namespace: dnsLabel.optional(),
    /** The cluster runs the Prometheus Operator: declare ServiceMonitor/PrometheusRule objects
     *  instead of running our own Prometheus. */
    prometheusOperator: z.boolean().default(false),
    /** Schedule the mesh pods on kwok's simulated nodes (hyperscale runs); nothing really runs then. */
    simulated: z.boolean().default(false),
    /** How the runner's host reaches nodes, agents, the registry and Prometheus: NodePorts on
     *  127.0.0.1 at the host-port layout below, or not at all (hyperscale: thousands of pods). */
    hostAccess: z.enum(["nodePort", "none"]).default("nodePort"),
  })
  .strict();
export type KubernetesSettings = z.infer<typeof kubernetesSettings>;

/** Most nodes an environment with published ports can have (the host-port layout leaves room for 200). */
export const maxPublishedNodes = 200;

export const environmentSettings = z
  .object({
    /** Docker (default, the local and ci stacks) or Kubernetes (the kube stack). */
    platform: z.enum(["docker", "kubernetes"]).default("docker"),
    kubernetes: kubernetesSettings.prefault({}),
    /** Identifies one run of the environment: certificates and the agent token are regenerated when it changes. */
    runId: z.coerce
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "lower-case letters, digits and dashes, at most 32 characters")
      .default(initialRunId),
    nodes: z.number().int().min(1).max(10000).default(3),
    node: nodeImageSettings.prefault({}),
    /** Images built by scripts/images (name:tag); the reference node and agent by default. */
    images: z
      .object({
        node: z.string().min(1).default(`${imageNames.node}:latest`),
        agent: z.string().min(1).default(`${imageNames.agent}:latest`),
        prometheus: z.string().min(1).default(`${imageNames.prometheus}:latest`),
      })
      .prefault({}),
    /** Host ports, all on 127.0.0.1: Prometheus = base, Grafana = base+1, registry = base+2,
     *  node i control = base+100+i, agent i = base+300+i. */
    hostPortBase: z.number().int().min(1024).max(60000).default(30000),
    scrapeIntervalSeconds: z.number().min(1).max(2).default(1),
    /** Workload generator rate of every node, requests per second. */
    workloadRps: z.number().min(0).max(1000).default(5),
    grafana: z
      .object({
        /** Grafana needs its official image from a registry; offline it is skipped with a warning. */
        enabled: z.boolean().default(false),
        image: z.string().default(grafanaImage),
      })
      .prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const published = s.platform === "docker" || s.kubernetes.hostAccess === "nodePort";
    if (published && s.nodes > maxPublishedNodes) {
      ctx.addIssue({
        code: "custom",
        path: ["nodes"],
        message: `at most ${maxPublishedNodes} nodes when their ports are published on the host; above that use platform kubernetes with kubernetes.hostAccess "none"`,
      });
    }
  });

export type EnvironmentSettings = z.infer<typeof environmentSettings>;

/** The namespace of an environment on Kubernetes: the setting, or `mkc-<stack>`. */
export const kubernetesNamespace = (stack: string, settings: Pick<EnvironmentSettings, "kubernetes">): string =>
  settings.kubernetes.namespace ?? `mkc-${stack}`;

export const hostPorts = (s: Pick<EnvironmentSettings, "hostPortBase">) => ({
  prometheus: s.hostPortBase,
  grafana: s.hostPortBase + 1,
  registry: s.hostPortBase + 2,
  nodeControl: (i: number) => s.hostPortBase + 100 + i,
  agent: (i: number) => s.hostPortBase + 300 + i,
});

/** Parses settings and turns a zod error into one a user can act on: where, what was expected. */
export function parseSettings(raw: unknown, source: string): EnvironmentSettings {
  const result = environmentSettings.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${source}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new SettingsError(`invalid environment settings:\n${problems.join("\n")}`);
}

export class SettingsError extends Error {
  override name = "SettingsError";
}
