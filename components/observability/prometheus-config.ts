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
  dns_sd_configs?: { names: string[]; type: "SRV"; refresh_interval: string }[];
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

/** The job's role and environment labels, as the static targets carry them. */
function fixedLabels(s: ObservabilitySettings, key: JobKey): RelabelConfig[] {
  const role = s.scrape[key].targets[0]?.labels.role ?? key;
  return Object.entries({ ...environmentLabels(s), [targetLabels.role]: role }).map(
    ([label, value]): RelabelConfig => ({ action: "replace", target_label: label, replacement: value }),
  );
}

/** `instance` = `<node>:<port>`, like the static `node-1:8080`. */
const instanceOf = (port: number): RelabelConfig => ({
  action: "replace",
  source_labels: [targetLabels.node],
  regex: "(.+)",
  target_label: "instance",
  replacement: `$1:${port}`,
});

/**
 * The SRV name of a job's targets: one record per pod of the headless Service, named
 * `<pod hostname>.<service>.<namespace>.svc.<domain>` (the pods set their hostname).
 */
export const srvName = (discovery: KubernetesDiscovery, key: JobKey): string => {
  const job = discovery.jobs[key];
  return `_${job.port}._tcp.${job.service}.${discovery.namespace}.svc.${discovery.clusterDomain}`;
};

/** DNS discovery: `node` = the first label of the SRV target (the pod's hostname). */
export function dnsRelabelling(s: ObservabilitySettings, discovery: KubernetesDiscovery, key: JobKey): RelabelConfig[] {
  return [
    { action: "replace", source_labels: ["__meta_dns_srv_record_target"], regex: "([^.]+)\\..*", target_label: targetLabels.node },
    instanceOf(discovery.jobs[key].portNumber),
    ...fixedLabels(s, key),
  ];
}

/**
 * Pod discovery through the API (the Prometheus Operator's PodMonitors): keep the environment's pods
 * of the job's role and port; `node` = the pod's name, or its node label where it has one.
 */
export function kubernetesRelabelling(s: ObservabilitySettings, discovery: KubernetesDiscovery, key: JobKey): RelabelConfig[] {
  const job = discovery.jobs[key];
  const selector = Object.entries(discovery.podLabels);
  return [
    {
      action: "keep",
      source_labels: [...selector.map(([label]) => podLabel(label)), podLabel(discovery.roleLabel), "__meta_kubernetes_pod_container_port_name"],
      regex: [...selector.map(([, value]) => value), job.podRole, job.port].map(escapeRegex).join(";"),
    },
    { action: "replace", source_labels: ["__meta_kubernetes_pod_name"], target_label: targetLabels.node },
    { action: "replace", source_labels: [podLabel(discovery.nodeLabel)], regex: "(.+)", target_label: targetLabels.node },
    instanceOf(job.portNumber),
    ...fixedLabels(s, key),
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

function kubernetesTargets(s: ObservabilitySettings, discovery: KubernetesDiscovery, key: JobKey): Pick<ScrapeConfig, "dns_sd_configs" | "relabel_configs"> {
  return {
    // Pods come and go (scaling, a new run): asked every few seconds, not the default 30 s.
    dns_sd_configs: [{ names: [srvName(discovery, key)], type: "SRV", refresh_interval: "5s" }],
    relabel_configs: dnsRelabelling(s, discovery, key),
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
