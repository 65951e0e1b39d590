import { z } from "zod";
import { paths } from "../../contract/meshkit.ts";

// What the observability files are generated from. It comes from the environment model (or a user's
// file for a real OmniRelay deployment), so it is parsed here, once, with zod.

/** Scrape job names; rules and dashboards select mesh members by `job`. */
export const jobs = {
  node: "meshkit-node",
  registry: "meshkit-registry",
  agent: "meshkit-agent",
} as const;
export type JobKey = keyof typeof jobs;

/** Target labels every series carries; the node and role labels come per target. */
export const targetLabels = {
  node: "node",
  role: "role",
  project: "project",
  stack: "stack",
} as const;

/** Where the files live inside the containers (the Dockerfile and docs/observability.md say the same). */
export const defaultLayout = {
  prometheusConfigDir: "/etc/meshkit-prometheus",
  grafanaDashboardsDir: "/var/lib/grafana/dashboards",
} as const;

export const datasourceUid = "meshkit-prometheus";

const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
  .refine((s) => !s.startsWith("__"), "label names starting with __ are reserved for Prometheus");

const absolutePath = z.string().regex(/^\/\S*$/, "an absolute path without spaces");

const target = z
  .object({
    /** host:port as Prometheus reaches it (container name or address on the environment network). */
    address: z.string().regex(/^[A-Za-z0-9.\-_]+:\d{1,5}$/, "host:port"),
    /** Overrides the job's metrics path for this target (e.g. a real OmniRelay image). */
    metricsPath: absolutePath.optional(),
    labels: z
      .object({ node: z.string().min(1), role: z.string().min(1) })
      .catchall(z.string())
      .superRefine((labels, ctx) => {
        for (const key of Object.keys(labels)) {
          const r = labelName.safeParse(key);
          if (!r.success) ctx.addIssue({ code: "custom", path: [key], message: `label "${key}": ${r.error.issues[0]?.message}` });
        }
      }),
  })
  .strict();

const jobFields = {
  scheme: z.enum(["http", "https"]).default("http"),
  /**
   * File with a bearer token, for targets that protect their metrics (a real deployment may). A
   * relative path is taken relative to the Prometheus config dir; the caller writes that file, as a
   * secret. The environment's own targets need none: agent metrics are open, like any exporter's.
   */
  credentialsFile: z.string().regex(/^\S+$/, "a path without spaces").optional(),
  targets: z.array(target),
};

/** Nodes and the registry serve the contract's metrics path unless told otherwise. */
const memberJob = z.object({ metricsPath: absolutePath.default(paths.metrics), ...jobFields }).strict();
/** The agent serves its metrics on its own path; there is no default. */
const agentJob = z.object({ metricsPath: absolutePath, ...jobFields }).strict();

const seconds = z.number().positive();

/** Where a job's targets are on Kubernetes: pods with this role label behind this headless Service, on this named port. */
const kubernetesJob = z
  .object({ podRole: z.string().min(1), service: z.string().min(1), port: z.string().min(1), portNumber: z.number().int().min(1).max(65535) })
  .strict();

/**
 * Kubernetes: the targets are found, not listed. Our own Prometheus (Debian's build has no Kubernetes
 * discovery) asks the cluster DNS for the SRV records of the headless Services; the Prometheus
 * Operator's PodMonitors discover pods through the API. Both relabel to the same `node`, `role` and
 * `instance` labels as the static targets, so the rules, dashboards and the runner's queries work unchanged.
 */
const kubernetesDiscovery = z
  .object({
    namespace: z.string().min(1),
    clusterDomain: z.string().min(1).default("cluster.local"),
    /** Pod labels every scraped pod carries (the environment's project and stack). */
    podLabels: z.record(z.string(), z.string()),
    /** Pod label holding the service role. */
    roleLabel: z.string().min(1),
    /** Pod label naming the member where the pod's name does not (the registry). */
    nodeLabel: z.string().min(1),
    jobs: z.object({ node: kubernetesJob, registry: kubernetesJob, agent: kubernetesJob }).strict(),
  })
  .strict();
export type KubernetesDiscovery = z.output<typeof kubernetesDiscovery>;

export const observabilityInput = z
  .object({
    environment: z
      .object({
        project: z.string().min(1),
        stack: z.string().min(1),
      })
      .strict(),
    scrape: z
      .object({
        node: memberJob.extend({ targets: z.array(target).min(1, "at least one mesh node to scrape") }),
        registry: memberJob,
        agent: agentJob,
      })
      .strict(),
    /** Absent: the static targets above. */
    kubernetes: kubernetesDiscovery.optional(),
    /** Issue 4 asks for 1–2 s so that a fault's effect is visible within a few samples. */
    scrapeIntervalSeconds: z.number().min(1).max(2).default(1),
    layout: z
      .object({
        prometheusConfigDir: absolutePath.default(defaultLayout.prometheusConfigDir),
        grafanaDashboardsDir: absolutePath.default(defaultLayout.grafanaDashboardsDir),
      })
      .strict()
      .prefault({}),
    grafana: z
      .object({
        /** URL Grafana's server uses to reach Prometheus (proxy access), e.g. http://prometheus:9090. */
        prometheusUrl: z.url(),
      })
      .strict(),
    /** Alert thresholds; defaults suit the reference node in a lab. */
    thresholds: z
      .object({
        leaderElectionsPer2m: z.number().int().min(1).default(3),
        gossipFailureRatio: z.number().min(0).max(1).default(0.1),
        shardImbalanceRatio: z.number().min(1).default(2),
        replicationLagP99Ms: z.number().positive().default(1000),
        transportTcpShare: z.number().min(0).max(1).default(0.5),
        fallbackRatio: z.number().min(0).max(1).default(0.05),
        certificateExpirySeconds: seconds.default(600),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** Input as a caller writes it (defaults optional). */
export type ObservabilityInput = z.input<typeof observabilityInput>;
/** Input after parsing, every default filled in. */
export type ObservabilitySettings = z.output<typeof observabilityInput>;
export type ScrapeTarget = z.output<typeof target>;
export type Thresholds = ObservabilitySettings["thresholds"];

export class ObservabilityInputError extends Error {
  override name = "ObservabilityInputError";
}

/** Parses the input once; the error names each path and what was expected. */
export function parseObservabilityInput(raw: unknown, source = "observability input"): ObservabilitySettings {
  const result = observabilityInput.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${source}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new ObservabilityInputError(`invalid observability input:\n${problems.join("\n")}`);
}
