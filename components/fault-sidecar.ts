import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "./model/environment.ts";
import type { DockerPlatform } from "./platforms/docker.ts";

export interface FaultSidecarArgs {
  readonly platform: DockerPlatform;
  /** The agent service; it names the node whose network and PID namespaces it joins. */
  readonly service: ServiceSpec<pulumi.Input<string>>;
}

/** The fault agent beside one node: the only thing in the environment that touches kernel state. */
export class FaultSidecar extends pulumi.ComponentResource {
  readonly container: docker.Container;

  constructor(name: string, args: FaultSidecarArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:FaultSidecar", name, {}, opts);
    this.container = args.platform.container(args.service, this);
    this.registerOutputs({});
  }
}
