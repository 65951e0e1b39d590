// Observability of the chaos environment: Prometheus configuration, rules and Grafana dashboards
// generated as files. The Observability component mounts or uploads them.
export { observabilityFiles, prometheusDir, grafanaDir, UnknownMetricError, type ObservabilityFile } from "./files.ts";
export {
  observabilityInput,
  parseObservabilityInput,
  ObservabilityInputError,
  jobs,
  targetLabels,
  defaultLayout,
  datasourceUid,
  type ObservabilityInput,
  type ObservabilitySettings,
  type ScrapeTarget,
} from "./input.ts";
export { dashboardQueries, dashboardSpecs, type DashboardQuery } from "./dashboards.ts";
export { recorded, ruleFiles } from "./rules.ts";
export { promtoolChecks, promtoolTestRules, writeObservabilityFiles, findPromtool, PromtoolMissingError, PromtoolCheckError } from "./promtool.ts";
export { runDashboardQueries, queryProblems, type QueryOutcome } from "./live-check.ts";
