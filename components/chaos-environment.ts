import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { hostPorts, type EnvironmentSettings } from "./config.ts";
import type { JoinKit } from "../lifecycle/outputs.ts";
import { labelKeys } from "./model/environment.ts";
import { buildEnvironmentModel, joinerHolder, nodeIdentityEnv, nodeName, registryName } from "./model/build.ts";
import type { ServiceSpec } from "./model/environment.ts";
import { environmentObservabilityFiles } from "./model/observability.ts";
import { FaultSidecar } from "./fault-sidecar.ts";
import { Mesh } from "./mesh.ts";
import { Observability } from "./observability.ts";
import { DockerPlatform } from "./platforms/docker.ts";
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
 * A whole chaos environment on Docker: run certificates, the mesh (registry + N nodes), one fault
 * sidecar per node, and Prometheus (+ Grafana where enabled), all built from one neutral model.
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
  readonly mesh: Mesh;
  readonly sidecars: readonly FaultSidecar[];
  readonly observability: Observability;

  constructor(name: string, args: ChaosEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("meshkit-chaos:index:ChaosEnvironment", name, {}, opts);
    const { settings, stack } = args;
    const nodeNames = Array.from({ length: settings.nodes }, (_, i) => nodeName(i));

    // Every child's name starts with this component's name: two environments in one program never collide.
    const certificates = new RunCertificates(
      `${name}-certificates`,
      { runId: settings.runId, holders: [registryName, ...nodeNames, joinerHolder] },
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
      certificates: (holder) => certificates.leaf(holder),
      agentToken: this.agentToken,
      prometheusFiles: observabilityFiles.prometheus,
      grafanaFiles: observabilityFiles.grafana,
    });

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

    const published = hostPorts(settings);
    const local = (port: number) => `http://127.0.0.1:${port}`;
    this.runId = settings.runId;
    this.nodes = nodeNames.map((n, i) => ({
      name: n,
      controlUrl: local(published.nodeControl(i)),
      agentUrl: local(published.agent(i)),
    }));
    this.registryUrl = local(published.registry);
    this.prometheusUrl = local(published.prometheus);
    this.grafanaUrl = settings.grafana.enabled ? local(published.grafana) : null;
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

