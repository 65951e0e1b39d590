import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "./model/environment.ts";
import type { DockerPlatform } from "./platforms/docker.ts";

export interface ObservabilityArgs {
  readonly platform: DockerPlatform;
  /** The prometheus service and, where enabled, the grafana service of the model. */
  readonly services: readonly ServiceSpec<pulumi.Input<string>>[];
}

/** Prometheus with the generated scrape config and rules; Grafana with provisioned dashboards. */
export class Observability extends pulumi.ComponentResource {
  readonly prometheus: docker.Container;
  readonly grafana: docker.Container | undefined;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:Observability", name, {}, opts);
    const prometheus = args.services.find((s) => s.role === "prometheus");
    if (!prometheus) throw new Error("the environment model has no prometheus service");
    this.prometheus = args.platform.container(prometheus, this);
    const grafana = args.services.find((s) => s.role === "grafana");
    this.grafana = grafana && args.platform.container(grafana, this);
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
