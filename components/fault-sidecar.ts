import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "./model/environment.ts";
import type { Contents, Platform } from "./platforms/platform.ts";

export interface FaultSidecarArgs {
  readonly platform: Platform;
  /** The agent service; it names the node whose network and PID namespaces it joins. */
  readonly service: ServiceSpec<Contents>;
}

/** The fault agent beside one node: the only thing in the environment that touches kernel state. */
export class FaultSidecar extends pulumi.ComponentResource {
  readonly workload: pulumi.Resource;

  constructor(name: string, args: FaultSidecarArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:FaultSidecar", name, {}, opts);
    this.workload = args.platform.service(args.service, { name: `${name}-agent`, resource: this });
    this.registerOutputs({});
  }
}
