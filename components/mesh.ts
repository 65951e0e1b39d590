import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "./model/environment.ts";
import type { Contents, Platform } from "./platforms/platform.ts";

export interface MeshArgs {
  readonly platform: Platform;
  /** The registry and node services of the environment model. */
  readonly services: readonly ServiceSpec<Contents>[];
}

/** The system under test: the registry and N MeshKit nodes (reference node or a real image). */
export class Mesh extends pulumi.ComponentResource {
  readonly registry: pulumi.Resource;
  readonly nodes: ReadonlyMap<string, pulumi.Resource>;

  constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:Mesh", name, {}, opts);
    const registry = args.services.find((s) => s.role === "registry");
    if (!registry) throw new Error("the environment model has no registry service");
    this.registry = args.platform.service(registry, { name: `${name}-${registry.name}`, resource: this });
    this.nodes = new Map(
      args.services.filter((s) => s.role === "node").map((s) => [s.name, args.platform.service(s, { name: `${name}-${s.name}`, resource: this })] as const),
    );
    this.registerOutputs({});
  }
}
