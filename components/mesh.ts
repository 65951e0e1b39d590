import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "./model/environment.ts";
import type { DockerPlatform } from "./platforms/docker.ts";

export interface MeshArgs {
  readonly platform: DockerPlatform;
  /** The registry and node services of the environment model. */
  readonly services: readonly ServiceSpec<pulumi.Input<string>>[];
}

/** The system under test: the registry and N MeshKit nodes (reference node or a real image). */
export class Mesh extends pulumi.ComponentResource {
  readonly registry: docker.Container;
  readonly nodes: ReadonlyMap<string, docker.Container>;

  constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:Mesh", name, {}, opts);
    const registry = args.services.find((s) => s.role === "registry");
    if (!registry) throw new Error("the environment model has no registry service");
    this.registry = args.platform.container(registry, this);
    this.nodes = new Map(
      args.services
        .filter((s) => s.role === "node")
        .map((s) => [s.name, args.platform.container(s, this)] as const),
    );
    this.registerOutputs({});
  }
}
