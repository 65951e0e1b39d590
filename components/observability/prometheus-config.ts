import { posix } from "node:path";
import { jobs, targetLabels, type JobKey, type ObservabilitySettings } from "./input.ts";

// prometheus.yml: one scrape job per target group, every target labelled with its node, role and the
// environment (project, stack, run id) so series stay attributable when federated or remote-written.

export interface ScrapeConfig {
  job_name: string;
  scrape_interval: string;
  scrape_timeout: string;
  metrics_path: string;
  scheme: "http" | "https";
  authorization?: { type: "Bearer"; credentials_file: string };
  static_configs: { targets: string[]; labels: Record<string, string> }[];
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
