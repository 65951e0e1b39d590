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

export const environmentSettings = z
  .object({
    /** Identifies one run of the environment: certificates and the agent token are regenerated when it changes. */
    runId: z.coerce
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "lower-case letters, digits and dashes, at most 32 characters")
      .default(initialRunId),
    nodes: z.number().int().min(1).max(200).default(3),
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
  .strict();

export type EnvironmentSettings = z.infer<typeof environmentSettings>;

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
