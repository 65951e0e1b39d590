import { datasourceUid, type ObservabilitySettings } from "./input.ts";
import { environmentLabels } from "./prometheus-config.ts";

// Grafana file provisioning (apiVersion 1): one Prometheus datasource with a fixed uid the dashboards
// refer to, and one file provider that loads the dashboards directory.

export const grafanaFolder = "MeshKit chaos";

export interface DatasourceProvisioning {
  apiVersion: 1;
  datasources: {
    name: string;
    uid: string;
    type: "prometheus";
    access: "proxy";
    url: string;
    isDefault: boolean;
    editable: boolean;
    jsonData: { timeInterval: string; httpMethod: "POST" };
  }[];
}

export interface DashboardProvisioning {
  apiVersion: 1;
  providers: {
    name: string;
    orgId: number;
    folder: string;
    type: "file";
    disableDeletion: boolean;
    allowUiUpdates: boolean;
    updateIntervalSeconds: number;
    options: { path: string; foldersFromFilesStructure: boolean };
  }[];
}

export function datasourceProvisioning(s: ObservabilitySettings): DatasourceProvisioning {
  const env = environmentLabels(s);
  return {
    apiVersion: 1,
    datasources: [
      {
        name: `Prometheus (${Object.values(env).join("/")})`,
        uid: datasourceUid,
        type: "prometheus",
        access: "proxy",
        url: s.grafana.prometheusUrl,
        isDefault: true,
        editable: false,
        // Grafana never asks for a step finer than the scrape interval.
        jsonData: { timeInterval: `${s.scrapeIntervalSeconds}s`, httpMethod: "POST" },
      },
    ],
  };
}

export function dashboardProvisioning(s: ObservabilitySettings): DashboardProvisioning {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "meshkit-chaos",
        orgId: 1,
        folder: grafanaFolder,
        type: "file",
        // The files are generated: edits belong in components/observability/dashboards.ts.
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 10,
        options: { path: s.layout.grafanaDashboardsDir, foldersFromFilesStructure: false },
      },
    ],
  };
}
