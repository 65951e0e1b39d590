import { stringify } from "yaml";
import { containerName, serviceLabels, type EnvironmentModel, type ServiceSpec } from "../model/environment.ts";

// Renders the neutral model as a Compose file for users who want compose only. Files (certificates,
// Prometheus config, dashboards) are written beside it and bind-mounted read-only; secret values go
// to per-service env files with mode 0600 instead of the Compose file itself.

export interface RenderedFile {
  /** Path relative to the output directory. */
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

export interface RenderedCompose {
  readonly compose: string;
  readonly files: readonly RenderedFile[];
}

export const composeFileName = "docker-compose.chaos.yml";

const hostFile = (service: string, containerPath: string): string => `files/${service}${containerPath}`;
const secretEnvFile = (service: string): string => `secrets/${service}.env`;

function renderService(model: EnvironmentModel<string>, s: ServiceSpec<string>): Record<string, unknown> {
  const health = s.healthcheck;
  return {
    image: s.image,
    container_name: containerName(model, s),
    ...(s.sidecarOf
      ? { network_mode: `service:${s.sidecarOf}`, pid: `service:${s.sidecarOf}`, depends_on: [s.sidecarOf] }
      : { hostname: s.name, networks: { [model.network]: { aliases: [s.name] } } }),
    ...(s.command ? { command: [...s.command] } : {}),
    environment: { ...s.env },
    ...(s.secretEnv && Object.keys(s.secretEnv).length > 0 ? { env_file: [secretEnvFile(s.name)] } : {}),
    ports: s.ports
      .filter((p) => p.host !== undefined)
      .map((p) => `127.0.0.1:${p.host}:${p.container}/${p.protocol}`),
    volumes: [
      ...s.files.map((f) => `./${hostFile(s.name, f.path)}:${f.path}:ro`),
      ...s.volumes.map((v) => `${v.volume}:${v.path}`),
    ],
    ...(health
      ? {
          healthcheck: {
            test: [...health.test],
            interval: `${health.intervalSeconds}s`,
            timeout: `${health.timeoutSeconds}s`,
            retries: health.retries,
            start_period: `${health.startPeriodSeconds}s`,
          },
        }
      : {}),
    ...(s.capabilities.length > 0 ? { cap_add: [...s.capabilities] } : {}),
    ...(s.stopSignal ? { stop_signal: s.stopSignal } : {}),
    restart: s.restart,
    labels: serviceLabels(model, s),
  };
}

export function renderCompose(model: EnvironmentModel<string>): RenderedCompose {
  const document = {
    // 2.4 is the single-host format that both docker-compose 1.x and the compose plugin read.
    version: "2.4",
    services: Object.fromEntries(model.services.map((s) => [s.name, renderService(model, s)])),
    networks: { [model.network]: { name: model.network, labels: model.labels } },
    volumes: Object.fromEntries(
      model.volumes.map((v) => {
        const sizeMb = model.volumeSizeMb[v];
        // Size-bounded volumes live in memory, so a disk-fill fault never fills the host's disk.
        const tmpfs = sizeMb === undefined ? {} : { driver_opts: { type: "tmpfs", device: "tmpfs", o: `size=${sizeMb}m` } };
        return [v, { name: `${model.prefix}-${v}`, labels: model.labels, ...tmpfs }];
      }),
    ),
  };
  const files: RenderedFile[] = model.services.flatMap((s) => [
    ...s.files.map((f) => ({ path: hostFile(s.name, f.path), content: f.content, mode: f.secret ? 0o600 : 0o644 })),
    ...(s.secretEnv && Object.keys(s.secretEnv).length > 0
      ? [
          {
            path: secretEnvFile(s.name),
            content: Object.entries(s.secretEnv).map(([k, v]) => `${k}=${v}\n`).join(""),
            mode: 0o600,
          },
        ]
      : []),
  ]);
  return { compose: stringify(document, { lineWidth: 0 }), files };
}
