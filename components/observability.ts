import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "./model/environment.ts";
import type { Contents, Platform } from "./platforms/platform.ts";

export interface ObservabilityArgs {
  readonly platform: Platform;
  /** The prometheus service and, where enabled, the grafana service of the model. */
  readonly services: readonly ServiceSpec<Contents>[];
}

/** Prometheus with the generated scrape config and rules; Grafana with provisioned dashboards. */
export class Observability extends pulumi.ComponentResource {
  readonly prometheus: pulumi.Resource;
  readonly grafana: pulumi.Resource | undefined;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:Observability", name, {}, opts);
    const child = (s: ServiceSpec<Contents>) => ({ name: `${name}-${s.name}`, resource: this });
    const prometheus = args.services.find((s) => s.role === "prometheus");
    if (!prometheus) throw new Error("the environment model has no prometheus service");
    this.prometheus = args.platform.service(prometheus, child(prometheus));
    const grafana = args.services.find((s) => s.role === "grafana");
    this.grafana = grafana && args.platform.service(grafana, child(grafana));
    if (!grafana) {
      pulumi.log.warn(
        "Grafana is skipped (grafana.enabled=false): it needs the official image from a registry. " +
          "Its provisioning files are still generated; `npm run compose:export` writes them out.",
        this,
      );
    }
    this.registerOutputs({});
  }
}
