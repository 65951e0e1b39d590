// The Pulumi program of the chaos environment (`pulumi up` on the local, ci or kube stack).
import * as pulumi from "@pulumi/pulumi";
import { ChaosEnvironment } from "./components/chaos-environment.ts";
import { readStackSettings } from "./components/stack-settings.ts";

const stack = pulumi.getStack();
const settings = readStackSettings(new pulumi.Config(), stack);
const environment = new ChaosEnvironment("environment", { stack, settings });

export const runId = environment.runId;
export const nodes = environment.nodes;
export const registryUrl = environment.registryUrl;
export const prometheusUrl = environment.prometheusUrl;
export const grafanaUrl = environment.grafanaUrl;
export const certificateFingerprints = environment.certificateFingerprints;
export const certificateSerials = environment.certificateSerials;
export const agentToken = environment.agentToken;
