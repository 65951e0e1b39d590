import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { hostPorts, kubernetesNamespace, type EnvironmentSettings } from "./config.ts";
import type { JoinKit } from "../lifecycle/outputs.ts";
import { labelKeys } from "./model/environment.ts";
import { buildEnvironmentModel, joinerHolder, nodeIdentityEnv, nodeName, registryName, simulatedNodeHolder } from "./model/build.ts";
import type { ServiceSpec } from "./model/environment.ts";
import { environmentObservabilityFiles } from "./model/observability.ts";
import { FaultSidecar } from "./fault-sidecar.ts";
import { Mesh } from "./mesh.ts";
import { Observability } from "./observability.ts";
import { DockerPlatform } from "./platforms/docker.ts";
import { kubernetesEndpoints, kubernetesObjects } from "./platforms/kubernetes/objects.ts";
import { KubernetesWorkloads } from "./platforms/kubernetes/workloads.ts";
import { localKubeconfig } from "../kube/paths.ts";
import { observabilityInput } from "./model/observability.ts";
import { parseObservabilityInput } from "./observability/index.ts";
import type { Platform } from "./platforms/platform.ts";
import { RunCertificates } from "./run-certificates.ts";

export interface ChaosEnvironmentArgs {
  readonly stack: string;
  readonly settings: EnvironmentSettings;
}

export interface NodeEndpoints {
  readonly name: string;
  readonly controlUrl: string;
  readonly agentUrl: string;
}

/**
 * A whole chaos environment on Docker or Kubernetes: run certificates, the mesh (registry + N nodes),
 * one fault sidecar per node, and Prometheus (+ Grafana where enabled), all built from one neutral model.
 */
export class ChaosEnvironment extends pulumi.ComponentResource {
  readonly runId: string;
  readonly nodes: readonly NodeEndpoints[];
  readonly registryUrl: string;
  readonly prometheusUrl: string;
  readonly grafanaUrl: string | null;
  readonly certificateFingerprints: pulumi.Output<Record<string, string>>;
  readonly certificateSerials: pulumi.Output<Record<string, string>>;
  readonly agentToken: pulumi.Output<string>;
  /** How a membership-surge fault adds nodes (secret: the joiner's private key). */
  readonly joinKit: pulumi.Output<JoinKit>;
  readonly platform: EnvironmentSettings["platform"];
  /** Kubernetes: the environment's namespace; Docker: none. */
  readonly namespace: string | null;
  /** Docker: one component per part, each container its own. */
  readonly mesh: Mesh | undefined;
  readonly sidecars: readonly FaultSidecar[];
  readonly observability: Observability | undefined;
  /** Kubernetes: the environment's objects (one StatefulSet for the nodes, agents as sidecars in their pods). */
  readonly kubernetes: KubernetesWorkloads | undefined;

  constructor(name: string, args: ChaosEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:ChaosEnvironment", name, {}, opts);
    const { settings, stack } = args;
    const nodeNames = Array.from({ length: settings.nodes }, (_, i) => nodeName(i));

    // Every child's name starts with this component's name: two environments in one program never collide.
    // Simulated nodes (kwok) run nothing, so they share one leaf: the engine's work then does not grow
    // with N (three TLS resources per node made a 1,000-node `up` take longer than 10 minutes).
    const simulated = settings.platform === "kubernetes" && settings.kubernetes.simulated;
    const nodeHolders = simulated ? [simulatedNodeHolder] : nodeNames;
    const certificates = new RunCertificates(
      `${name}-certificates`,
      { runId: settings.runId, holders: [registryName, ...nodeHolders, joinerHolder] },
      { parent: this },
    );
    const token = new random.RandomPassword(
      `${name}-agent-token`,
      { length: 48, special: false, keepers: { runId: settings.runId } },
      { parent: this },
    );
    this.agentToken = pulumi.secret(token.result);

    const observabilityFiles = environmentObservabilityFiles(stack, settings);
    const model = buildEnvironmentModel<pulumi.Input<string>>({
      stack,
      settings,
      certificates: (holder) => certificates.leaf(simulated && nodeNames.includes(holder) ? simulatedNodeHolder : holder),
      agentToken: this.agentToken,
      prometheusFiles: observabilityFiles.prometheus,
      grafanaFiles: observabilityFiles.grafana,
    });

    this.platform = settings.platform;
    this.namespace = settings.platform === "kubernetes" ? kubernetesNamespace(stack, settings) : null;
    if (settings.platform === "kubernetes") {
      this.mesh = undefined;
      this.sidecars = [];
      this.observability = undefined;
      const objects = kubernetesObjects({ model, settings, observability: parseObservabilityInput(observabilityInput(stack, settings)) });
      this.kubernetes = new KubernetesWorkloads(
        `${name}-kubernetes`,
        { objects, kubernetes: settings.kubernetes, defaultKubeconfig: localKubeconfig },
        { parent: this },
      );
    } else {
      this.kubernetes = undefined;
      // Before child names derived from the component's name, the program's one environment
      // ("environment") had components with fixed names; a stack made then keeps its Docker objects
      // (see DockerPlatformOptions.formerParent).
      const formerly = (component: string, type: string) => pulumi.createUrn(component, `meshkit-chaos:index:${type}`, this);
      const formerParent = (s: ServiceSpec<pulumi.Input<string>>) =>
        s.role === "agent"
          ? formerly(s.name, "FaultSidecar")
          : s.role === "prometheus" || s.role === "grafana"
            ? formerly("observability", "Observability")
            : formerly("mesh", "Mesh");
      const platform: Platform = new DockerPlatform(model, { name, resource: this }, name === "environment" ? { formerParent } : {});
      this.mesh = new Mesh(`${name}-mesh`, { platform, services: model.services }, { parent: this });
      // Each agent waits only for its own node's container (the platform makes that dependency).
      this.sidecars = model.services
        .filter((s) => s.role === "agent")
        .map((service) => new FaultSidecar(`${name}-${service.nodeId}-sidecar`, { platform, service }, { parent: this }));
      this.observability = new Observability(`${name}-observability`, { platform, services: model.services }, { parent: this });
    }

    const published = hostPorts(settings);
    const local = (port: number) => `http://127.0.0.1:${port}`;
    this.runId = settings.runId;
    if (settings.platform === "kubernetes") {
      const endpoints = kubernetesEndpoints(stack, settings, nodeNames);
      this.nodes = endpoints.nodes;
      this.registryUrl = endpoints.registryUrl;
      this.prometheusUrl = endpoints.prometheusUrl;
      this.grafanaUrl = endpoints.grafanaUrl;
    } else {
      this.nodes = nodeNames.map((n, i) => ({
        name: n,
        controlUrl: local(published.nodeControl(i)),
        agentUrl: local(published.agent(i)),
      }));
      this.registryUrl = local(published.registry);
      this.prometheusUrl = local(published.prometheus);
      this.grafanaUrl = settings.grafana.enabled ? local(published.grafana) : null;
    }
    const perHolder = (pick: "fingerprint" | "serial") =>
      pulumi.all(Object.fromEntries([...certificates.leaves].map(([holder, leaf]) => [holder, leaf[pick]])));
    this.certificateFingerprints = perHolder("fingerprint");
    this.certificateSerials = perHolder("serial");
    const joiner = model.joiner;
    this.joinKit = pulumi.secret(
      pulumi.all(joiner.files.map((f) => pulumi.output(f.content))).apply((contents) => ({
        prefix: model.prefix,
        network: model.network,
        image: joiner.image,
        env: { ...joiner.env },
        identityEnv: [...nodeIdentityEnv],
        files: joiner.files.map((f, i) => ({ path: f.path, content: contents[i]!, secret: f.secret ?? false })),
        labels: { ...model.labels, [labelKeys.role]: joiner.role } as Record<string, string>,
        healthcheck: joiner.healthcheck && { ...joiner.healthcheck, test: [...joiner.healthcheck.test] },
      })),
    );
    this.registerOutputs({ nodes: this.nodes, prometheusUrl: this.prometheusUrl });
  }
}

