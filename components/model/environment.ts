// The neutral environment model: services, images, env, ports, files, volumes, health checks,
// capabilities and labels, with no platform in it. The Docker platform builds Pulumi resources from
// it and the compose exporter renders docker-compose.chaos.yml from the same model.
//
// `C` is the type of file contents: Pulumi outputs for the Pulumi platforms, plain strings for export.

export type ServiceRole = "registry" | "node" | "agent" | "prometheus" | "grafana";

export interface PortSpec {
  readonly name: string;
  readonly container: number;
  /** Published on 127.0.0.1 only; absent = not published. */
  readonly host?: number;
  readonly protocol: "tcp" | "udp";
}

export interface FileSpec<C> {
  /** Absolute path inside the container. */
  readonly path: string;
  readonly content: C;
  /** Private keys and tokens: kept secret by Pulumi, written with mode 0600. */
  readonly secret?: boolean;
}

export interface VolumeMount {
  /** Volume name, unique in the environment. */
  readonly volume: string;
  readonly path: string;
}

export interface HealthcheckSpec {
  readonly test: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

export interface ServiceSpec<C> {
  /** Service name in the environment, also its DNS name on the environment network. */
  readonly name: string;
  readonly role: ServiceRole;
  /** Node id this service belongs to (nodes and their sidecars). */
  readonly nodeId?: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Environment values that are secrets (tokens); never rendered into plain files. */
  readonly secretEnv?: Readonly<Record<string, C>>;
  readonly ports: readonly PortSpec[];
  readonly files: readonly FileSpec<C>[];
  readonly volumes: readonly VolumeMount[];
  readonly healthcheck?: HealthcheckSpec;
  readonly capabilities: readonly string[];
  /** A sidecar joins this service's network and PID namespaces instead of the network. */
  readonly sidecarOf?: string;
  readonly stopSignal?: string;
  readonly restart: "unless-stopped" | "no";
  /** Holds no run secret and keeps history (Prometheus): a new run id must not recreate it. */
  readonly outlivesRuns?: boolean;
}

export interface EnvironmentModel<C> {
  readonly project: string;
  readonly stack: string;
  readonly runId: string;
  /** Prefix of every container, network and volume name: `mkc-<stack>`. */
  readonly prefix: string;
  readonly network: string;
  readonly volumes: readonly string[];
  /**
   * Volumes that live in memory with a size bound, by name (docker: the local driver with tmpfs
   * options), so a disk-fill fault fills the bound and never the host's disk.
   */
  readonly volumeSizeMb: Readonly<Record<string, number>>;
  readonly services: readonly ServiceSpec<C>[];
  /** Template of the nodes a membership-surge fault adds later; not part of `services`. */
  readonly joiner: ServiceSpec<C>;
  /** Labels put on every platform object. */
  readonly labels: Readonly<Record<string, string>>;
}

export const labelKeys = {
  project: "meshkit-chaos.project",
  stack: "meshkit-chaos.stack",
  runId: "meshkit-chaos.run-id",
  role: "meshkit-chaos.role",
  node: "meshkit-chaos.node",
} as const;

/** Every label of one service: the environment's plus its role and node. */
export function serviceLabels<C>(model: EnvironmentModel<C>, service: ServiceSpec<C>): Record<string, string> {
  return {
    ...model.labels,
    [labelKeys.role]: service.role,
    ...(service.nodeId ? { [labelKeys.node]: service.nodeId } : {}),
  };
}

export const containerName = <C>(model: EnvironmentModel<C>, service: { name: string }): string =>
  `${model.prefix}-${service.name}`;
