import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../model/environment.ts";

/** File contents as the Pulumi platforms carry them: plain or Pulumi outputs (secrets stay secret). */
export type Contents = pulumi.Input<string>;

/** Where a new resource goes: its name (derived by the component from its own) and its parent. */
export interface Owner {
  readonly name: string;
  readonly resource: pulumi.Resource;
}

/**
 * What the components need from a platform (Docker today, Kubernetes later): one workload per
 * service of the neutral model. The platform owns what services share (network, volumes, images)
 * and the dependency of a sidecar on its node.
 */
export interface Platform {
  /** The workload running one service, named and parented as `owner` says. */
  service(spec: ServiceSpec<Contents>, owner: Owner): pulumi.Resource;
}
