// The Pulumi program of the chaos environment (`pulumi up` on the local, ci or kube stack).
import * as pulumi from "@pulumi/pulumi";
import { ChaosEnvironment } from "./components/chaos-environment.ts";
import { readStackSettings } from "./components/stack-settings.ts";
import type { EnvironmentOutputs } from "./lifecycle/outputs.ts";
import { parseStackName } from "./lifecycle/stack-name.ts";

const stack = parseStackName(pulumi.getStack(), "pulumi stack");
const settings = readStackSettings(new pulumi.Config(), stack);
const environment = new ChaosEnvironment("environment", { stack, settings });

// Exactly the keys of the outputs schema (lifecycle/outputs.ts) that the CLI, the tests and the run
// stack parse; the agent token is a secret output.
const outputs = {
  platform: environment.platform,
  namespace: environment.namespace,
  runId: environment.runId,
  nodes: [...environment.nodes],
  registryUrl: environment.registryUrl,
  prometheusUrl: environment.prometheusUrl,
  grafanaUrl: environment.grafanaUrl,
  certificateFingerprints: environment.certificateFingerprints,
  certificateSerials: environment.certificateSerials,
  agentToken: environment.agentToken,
  joinKit: environment.joinKit,
} satisfies { readonly [K in keyof EnvironmentOutputs]-?: pulumi.Input<EnvironmentOutputs[K]> };

export const platform = outputs.platform;
export const namespace = outputs.namespace;
export const runId = outputs.runId;
export const nodes = outputs.nodes;
export const registryUrl = outputs.registryUrl;
export const prometheusUrl = outputs.prometheusUrl;
export const grafanaUrl = outputs.grafanaUrl;
export const certificateFingerprints = outputs.certificateFingerprints;
export const certificateSerials = outputs.certificateSerials;
export const agentToken = outputs.agentToken;
export const joinKit = outputs.joinKit;
