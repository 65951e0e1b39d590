import { posix } from "node:path";
import { jobs, targetLabels, type JobKey, type KubernetesDiscovery, type ObservabilitySettings } from "./input.ts";

// prometheus.yml: one scrape job per target group, every target labelled with its node, role and the
// environment (project, stack, run id) so series stay attributable when federated or remote-written.

export interface ScrapeConfig {
  job_name: string;
  scrape_interval: string;
  scrape_timeout: string;
  metrics_path: string;
  scheme: "http" | "https";
  authorization?: { type: "Bearer"; credentials_file: string };
  static_configs?: { targets: string[]; labels: Record<string, string> }[];
  kubernetes_sd_configs?: { role: "pod"; namespaces: { own_namespace: true } }[];
  relabel_configs?: RelabelConfig[];
}

export interface RelabelConfig {
  action: "keep" | "replace";
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
}

export interface PrometheusConfig {
  global: {
    scrape_interval: string;
    scrape_timeout: string;
    evaluation_interval: string;
    external_labels: Record<string, string>;
  };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

const duration = (seconds: number): string => (Number.isInteger(seconds) ? `${seconds}s` : `${Math.round(seconds * 1000)}ms`);

export function environmentLabels(s: ObservabilitySettings): Record<string, string> {
  return {
    [targetLabels.project]: s.environment.project,
    [targetLabels.stack]: s.environment.stack,
  };
}

/** `rule_files` entries: absolute, so the config is valid wherever Prometheus is started from. */
export const ruleFileGlob = (s: ObservabilitySettings): string => `${s.layout.prometheusConfigDir}/rules/*.yml`;

/** Absolute: Prometheus would resolve a relative path against the directory of the config symlink. */
const inConfigDir = (s: ObservabilitySettings, path: string): string =>
  path.startsWith("/") ? path : posix.join(s.layout.prometheusConfigDir, path);

/** A Kubernetes label as Prometheus' service discovery names it (`__meta_kubernetes_pod_label_<name>`). */
const podLabel = (label: string): string => `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
const escapeRegex = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The relabelling that turns a discovered pod port into the same target a static config names: keep
 * the environment's pods of the job's role and port only; `node` = the pod's name (or its node label),
 * `instance` = `<node>:<port>` like the static `node-1:8080`, and the job's role and environment labels.
 * The Prometheus Operator's PodMonitor uses the same list (camel-cased).
 */
export function kubernetesRelabelling(s: ObservabilitySettings, discovery: KubernetesDiscovery, key: JobKey): RelabelConfig[] {
  const job = discovery.jobs[key];
  const role = s.scrape[key].targets[0]?.labels.role ?? key;
  const selector = Object.entries(discovery.podLabels);
  return [
    {
      action: "keep",
      source_labels: [...selector.map(([label]) => podLabel(label)), podLabel(discovery.roleLabel), "__meta_kubernetes_pod_container_port_name"],
      regex: [...selector.map(([, value]) => value), job.podRole, job.port].map(escapeRegex).join(";"),
    },
    { action: "replace", source_labels: ["__meta_kubernetes_pod_name"], target_label: targetLabels.node },
    { action: "replace", source_labels: [podLabel(discovery.nodeLabel)], regex: "(.+)", target_label: targetLabels.node },
    {
      action: "replace",
      source_labels: [targetLabels.node, "__meta_kubernetes_pod_container_port_number"],
      separator: ":",
      target_label: "instance",
    },
    ...Object.entries({ ...environmentLabels(s), [targetLabels.role]: role }).map(
      ([label, value]): RelabelConfig => ({ action: "replace", target_label: label, replacement: value }),
    ),
  ];
}

export function prometheusConfig(s: ObservabilitySettings): PrometheusConfig {
  const interval = duration(s.scrapeIntervalSeconds);
  const env = environmentLabels(s);
  const scrapeConfigs = (Object.keys(jobs) as JobKey[]).flatMap((key): ScrapeConfig[] => {
    const group = s.scrape[key];
    if (group.targets.length === 0) return [];
    return [
      {
        job_name: jobs[key],
        scrape_interval: interval,
        // A scrape may not outlive its interval; at 1 s a slow target is itself a finding.
        scrape_timeout: interval,
        metrics_path: group.metricsPath,
        scheme: group.scheme,
        ...(group.credentialsFile
          ? { authorization: { type: "Bearer" as const, credentials_file: inConfigDir(s, group.credentialsFile) } }
          : {}),
        ...(s.kubernetes ? kubernetesTargets(s, s.kubernetes, key) : staticTargets(s, key)),
      },
    ];
  });
  return {
    global: {
      scrape_interval: interval,
      scrape_timeout: interval,
      evaluation_interval: interval,
      external_labels: env,
    },
    rule_files: [ruleFileGlob(s)],
    scrape_configs: scrapeConfigs,
  };
}

function kubernetesTargets(s: ObservabilitySettings, discovery: KubernetesDiscovery, key: JobKey): Pick<ScrapeConfig, "kubernetes_sd_configs" | "relabel_configs"> {
  return {
    kubernetes_sd_configs: [{ role: "pod", namespaces: { own_namespace: true } }],
    relabel_configs: kubernetesRelabelling(s, discovery, key),
  };
}

function staticTargets(s: ObservabilitySettings, key: JobKey): Pick<ScrapeConfig, "static_configs"> {
  const group = s.scrape[key];
  const env = environmentLabels(s);
  return {
    // One static config per target: each has its own labels and possibly its own metrics path
    // (`__metrics_path__` overrides the job's path before relabelling).
    static_configs: group.targets.map((t) => ({
      targets: [t.address],
      labels: {
        ...env,
        ...t.labels,
        ...(t.metricsPath && t.metricsPath !== group.metricsPath ? { __metrics_path__: t.metricsPath } : {}),
      },
    })),
  };
}
