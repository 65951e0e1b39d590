import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  containerName,
  serviceLabels,
  type EnvironmentModel,
  type ServiceSpec,
} from "../model/environment.ts";

import type { Contents, Owner, Platform } from "./platform.ts";

/** A size-bounded volume is a tmpfs of the local driver (see EnvironmentModel.volumeSizeMb). */
const tmpfsOptions = (sizeMb: number | undefined): Record<string, string> | undefined =>
  sizeMb === undefined ? undefined : { type: "tmpfs", device: "tmpfs", o: `size=${sizeMb}m` };

const toLabels = (labels: Record<string, string>): docker.types.input.ContainerLabel[] =>
  Object.entries(labels).map(([label, value]) => ({ label, value }));

export interface DockerPlatformOptions {
  /**
   * For an environment brought up before child names derived from their component's: the URN of
   * the component that used to parent a service's container. The containers, the network and the
   * volumes have fixed Docker names, so they must keep their state under the new names (aliases)
   * instead of being created anew beside the old ones, which Docker refuses.
   */
  readonly formerParent?: (spec: ServiceSpec<Contents>) => pulumi.Input<string>;
}

/**
 * Builds Docker resources from the neutral model. One instance per environment: it owns the
 * network, the volumes and the image references, and makes a container per service on request so
 * that each component (Mesh, FaultSidecar, Observability) parents its own containers. Every child
 * name starts with its owner's name, so two environments (or two components) never collide.
 */
export class DockerPlatform implements Platform {
  readonly network: docker.Network;
  private readonly volumes = new Map<string, docker.Volume>();
  private readonly images = new Map<string, docker.RemoteImage>();
  private readonly containers = new Map<string, docker.Container>();

  private readonly model: EnvironmentModel<Contents>;
  private readonly owner: Owner;
  private readonly formerParent: ((spec: ServiceSpec<Contents>) => pulumi.Input<string>) | undefined;

  // Plain fields, not parameter properties: Pulumi may load this file with Node's type stripping.
  constructor(model: EnvironmentModel<Contents>, owner: Owner, options: DockerPlatformOptions = {}) {
    this.model = model;
    this.owner = owner;
    this.formerParent = options.formerParent;
    const parent = owner.resource;
    // The network and the volumes outlive runs: their run-id label names the run that created them,
    // and a later run id must not replace them (Docker labels cannot change in place).
    const lasting = { parent, ignoreChanges: ["labels"], deleteBeforeReplace: true };
    this.network = new docker.Network(
      `${owner.name}-network`,
      { name: model.network, driver: "bridge", labels: toLabels(model.labels) },
      { ...lasting, aliases: options.formerParent && [{ name: "network" }] },
    );
    for (const volume of model.volumes) {
      this.volumes.set(
        volume,
        new docker.Volume(
          `${owner.name}-volume-${volume}`,
          { name: `${model.prefix}-${volume}`, labels: toLabels(model.labels), driverOpts: tmpfsOptions(model.volumeSizeMb[volume]) },
          { ...lasting, aliases: options.formerParent && [{ name: `volume-${volume}` }] },
        ),
      );
    }
  }

  /** A local image, built by scripts/images or loaded by the user; kept when the stack is destroyed. */
  private image(name: string): docker.RemoteImage {
    let image = this.images.get(name);
    if (!image) {
      image = new docker.RemoteImage(
        `${this.owner.name}-image-${name.replace(/[^a-z0-9]+/gi, "-")}`,
        { name, keepLocally: true },
        { parent: this.owner.resource },
      );
      this.images.set(name, image);
    }
    return image;
  }

  service(spec: ServiceSpec<Contents>, owner: Owner): docker.Container {
    // owner.name is the workload's own resource name, chosen by the component from its name.
    const node = spec.sidecarOf ? this.containers.get(spec.sidecarOf) : undefined;
    if (spec.sidecarOf && !node) throw new Error(`sidecar ${spec.name}: container ${spec.sidecarOf} must be created first`);
    const namespaceOf = node ? pulumi.interpolate`container:${node.id}` : undefined;
    const secretEnv = Object.entries(spec.secretEnv ?? {}).map(([k, v]) => pulumi.secret(pulumi.interpolate`${k}=${v}`));
    const health = spec.healthcheck;

    const container = new docker.Container(
      owner.name,
      {
        name: containerName(this.model, spec),
        image: this.image(spec.image).imageId,
        hostname: node ? undefined : spec.name,
        // A sidecar joins its node's network and PID namespaces; everyone else joins the environment network.
        networkMode: namespaceOf ?? this.network.name,
        pidMode: namespaceOf,
        networksAdvanced: node ? undefined : [{ name: this.network.name, aliases: [spec.name] }],
        command: spec.command ? [...spec.command] : undefined,
        envs: [...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`), ...secretEnv],
        ports: spec.ports
          .filter((p) => p.host !== undefined)
          .map((p) => ({ internal: p.container, external: p.host, ip: "127.0.0.1", protocol: p.protocol })),
        uploads: spec.files.map((f) => ({ file: f.path, content: f.content, permissions: f.secret ? "0600" : "0644" })),
        mounts: spec.volumes.map((v) => ({ type: "volume", source: this.volume(v.volume).name, target: v.path })),
        healthcheck: health && {
          tests: [...health.test],
          interval: `${health.intervalSeconds}s`,
          timeout: `${health.timeoutSeconds}s`,
          retries: health.retries,
          startPeriod: `${health.startPeriodSeconds}s`,
        },
        // Wait for a health check to pass, so `pulumi up` ends with a working mesh.
        wait: health !== undefined,
        waitTimeout: 120,
        capabilities: spec.capabilities.length > 0 ? { adds: [...spec.capabilities] } : undefined,
        labels: toLabels(serviceLabels(this.model, spec)),
        restart: spec.restart,
        stopSignal: spec.stopSignal,
        destroyGraceSeconds: 10,
      },
      // Names are fixed (mkc-<stack>-<service>), so a replacement must delete the old container first.
      {
        parent: owner.resource,
        aliases: this.formerParent && [{ name: spec.name, parent: this.formerParent(spec) }],
        dependsOn: node ? [node] : [this.network],
        deleteBeforeReplace: true,
        // Its run-id label then names the run that created it (Docker labels cannot change in place).
        ignoreChanges: spec.outlivesRuns ? ["labels"] : undefined,
      },
    );
    this.containers.set(spec.name, container);
    return container;
  }

  private volume(name: string): docker.Volume {
    const volume = this.volumes.get(name);
    if (!volume) throw new Error(`volume ${name} is not declared in the environment model`);
    return volume;
  }
}
