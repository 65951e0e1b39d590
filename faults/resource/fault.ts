// One fault on one node as a Pulumi resource of a run stack: creating it injects the fault, destroying
// it is the rollback. The agent's URL and token come from the environment stack (StackReference).

import * as pulumi from "@pulumi/pulumi";
import { type FaultProps, faultProvider } from "./provider.ts";

export type FaultArgs = { readonly [K in keyof FaultProps]: pulumi.Input<FaultProps[K]> };

/** The resource type in a run stack's state: `pulumi-nodejs:dynamic/<module>:<type>`. */
const moduleName = "meshkit-chaos";
const typeName = "Fault";
export const faultResourceType = `pulumi-nodejs:dynamic/${moduleName}:${typeName}`;

export class Fault extends pulumi.dynamic.Resource {
  declare readonly mechanism: pulumi.Output<string>;
  declare readonly appliedAt: pulumi.Output<string>;
  declare readonly applyMs: pulumi.Output<number>;
  declare readonly evidence: pulumi.Output<string[]>;

  constructor(name: string, args: FaultArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      faultProvider,
      name,
      { ...args, mechanism: undefined, appliedAt: undefined, applyMs: undefined, evidence: undefined },
      { ...opts, additionalSecretOutputs: ["token"] },
      moduleName,
      typeName,
    );
  }
}
