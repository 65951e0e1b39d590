import { certificateEnv, envKey, paths } from "../../contract/meshkit.ts";
import { agentApi } from "../../agent/contract.ts";
import { hostPorts, projectName, type EnvironmentSettings } from "../config.ts";
import { labelKeys, type EnvironmentModel, type FileSpec, type HealthcheckSpec, type PortSpec, type ServiceSpec } from "./environment.ts";

/** PEM material of one certificate holder, in whatever form the platform carries contents. */
export interface CertificateFiles<C> {
  readonly certPem: C;
  readonly keyPem: C;
  readonly caPem: C;
}

export interface ModelInputs<C> {
  readonly stack: string;
  readonly settings: EnvironmentSettings;
  /** Certificates of `registry` and of every node, by service name. */
  readonly certificates: (service: string) => CertificateFiles<C>;
  /** Per-run bearer token of the fault agents. */
  readonly agentToken: C;
  /** Prometheus configuration and rules; Grafana provisioning and dashboards. */
  readonly prometheusFiles: readonly FileSpec<C>[];
  readonly grafanaFiles: readonly FileSpec<C>[];
}

export const registryName = "registry";
/** Certificate holder shared by the nodes a membership-surge fault adds (peers check the CA, not names). */
export const joinerHolder = "joiner";
/** Certificate holder shared by simulated (kwok) nodes, which run nothing. */
export const simulatedNodeHolder = "simulated-node";
/** Environment keys that carry a node's identity: a joiner gets its own name in each. */
export const nodeIdentityEnv = [envKey("mesh:gossip:nodeId"), envKey("mesh:gossip:advertiseHost")] as const;
const prometheusDataVolume = "prometheus-data";
export const nodeName = (i: number): string => `node-${i + 1}`;
/** Names of the published ports (a Kubernetes container port and Prometheus' discovery use them too). */
export const portNames = { control: "control", agent: "agent", web: "web" } as const;
export const agentName = (node: string): string => `${node}-agent`;

/** Where the node image finds its certificates and keeps its data (the disk-fill target). */
const nodePaths = {
  tlsDir: "/etc/meshkit/tls",
  dataDir: "/var/lib/meshkit",
} as const;

/**
 * The node data volume lives in memory with this bound: a disk-fill fault fills it, never the host's
 * disk. It holds the agent's journal and hold files (a few KB) and the fill file.
 */
const nodeDataVolumeSizeMb = 64;

/**
 * The node image's supervisor (images/node/supervise) keeps a killed node down while a hold file of
 * the agent exists in this directory; the agent finds the node by its command line, not as PID 1
 * (the kernel ignores SIGKILL/SIGSTOP to a namespace's init from inside it).
 */
const supervisorDataDirEnv = "MESHKIT_DATA_DIR";
const nodeProcessMatcher = "cmdline:meshkit-node.mjs";

/** The agent's journal and saved files: a plain (persistent) volume, unlike the node's tmpfs data volume. */
const agentStateDir = "/var/lib/meshkit-agent";
export const agentStateVolume = (node: string): string => `${node}-agent-state`;

const tlsFile = { cert: `${nodePaths.tlsDir}/tls.crt`, key: `${nodePaths.tlsDir}/tls.key`, ca: `${nodePaths.tlsDir}/ca.crt` };

const httpHealthcheck = (port: number, path: string): HealthcheckSpec => ({
  // bash's /dev/tcp: no curl in the image, and no second Node process every interval.
  test: ["CMD", "/bin/bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '`],
  // Probed every second so `up` returns soon after the node is ready; failures in the first 10 s
  // (a loaded machine) do not count.
  intervalSeconds: 1,
  timeoutSeconds: 2,
  retries: 10,
  startPeriodSeconds: 10,
});

function certificateFiles<C>(files: CertificateFiles<C>): FileSpec<C>[] {
  return [
    { path: tlsFile.cert, content: files.certPem },
    { path: tlsFile.key, content: files.keyPem, secret: true },
    { path: tlsFile.ca, content: files.caPem },
  ];
}

const certificateEnvVars: Record<string, string> = {
  [certificateEnv.gossipCert]: tlsFile.cert,
  [certificateEnv.gossipKey]: tlsFile.key,
  [certificateEnv.gossipCa]: tlsFile.ca,
  [certificateEnv.transportCert]: tlsFile.cert,
  [certificateEnv.transportKey]: tlsFile.key,
  [certificateEnv.transportCa]: tlsFile.ca,
};

/** Builds the whole environment as platform-neutral data. */
export function buildEnvironmentModel<C>(inputs: ModelInputs<C>): EnvironmentModel<C> {
  const { settings, stack } = inputs;
  const prefix = `mkc-${stack}`;
  const published = hostPorts(settings);
  const nodePorts = settings.node.ports;
  const nodeNames = Array.from({ length: settings.nodes }, (_, i) => nodeName(i));
  // A few seeds are enough for gossip to converge; every node seeding every other does not scale.
  const seeds = nodeNames.slice(0, Math.min(3, nodeNames.length)).map((n) => `${n}:${nodePorts.gossip}`);
  // The registry serves its lease and peer API on its gossip (mutual TLS) listener.
  const registryAddress = `${registryName}:${nodePorts.gossip}`;

  const meshEnv = (role: "node" | "registry", id: string): Record<string, string> => ({
    [envKey("mesh:runtime:role")]: role,
    [envKey("mesh:gossip:nodeId")]: id,
    [envKey("mesh:gossip:clusterId")]: stack,
    [envKey("mesh:gossip:advertiseHost")]: id,
    [envKey("mesh:gossip:port")]: String(nodePorts.gossip),
    [envKey("mesh:control:port")]: String(nodePorts.control),
    [envKey("mesh:transport:port")]: String(nodePorts.data),
    [envKey("mesh:registry:address")]: registryAddress,
    ...certificateEnvVars,
    ...settings.node.env,
  });

  const controlHealth = httpHealthcheck(nodePorts.control, paths.healthz);
  const nodeImage = settings.node.image ?? settings.images.node;

  const registry: ServiceSpec<C> = {
    name: registryName,
    role: "registry",
    image: nodeImage,
    env: meshEnv("registry", registryName),
    ports: [{ name: portNames.control, container: nodePorts.control, host: published.registry, protocol: "tcp" }],
    files: certificateFiles(inputs.certificates(registryName)),
    volumes: [],
    healthcheck: settings.node.image ? undefined : controlHealth,
    capabilities: [],
    stopSignal: "SIGTERM",
    restart: "unless-stopped",
  };

  const nodes = nodeNames.flatMap((name, i): ServiceSpec<C>[] => {
    const ports: PortSpec[] = [
      { name: portNames.control, container: nodePorts.control, host: published.nodeControl(i), protocol: "tcp" },
      // The agent lives in this network namespace, so its port is published here.
      { name: portNames.agent, container: agentApi.port, host: published.agent(i), protocol: "tcp" },
    ];
    const node: ServiceSpec<C> = {
      name,
      role: "node",
      nodeId: name,
      image: nodeImage,
      env: {
        ...meshEnv("node", name),
        ...Object.fromEntries(seeds.filter((s) => !s.startsWith(`${name}:`)).map((s, k) => [envKey(`mesh:gossip:seedPeers:${k}`), s])),
        [envKey("mesh:workload:rate")]: String(settings.workloadRps),
        [supervisorDataDirEnv]: nodePaths.dataDir,
      },
      ports,
      files: certificateFiles(inputs.certificates(name)),
      volumes: [{ volume: `${name}-data`, path: nodePaths.dataDir }],
      healthcheck: settings.node.image ? undefined : controlHealth,
      capabilities: [],
      stopSignal: "SIGTERM",
      restart: "unless-stopped",
    };
    const agent: ServiceSpec<C> = {
      name: agentName(name),
      role: "agent",
      nodeId: name,
      image: settings.images.agent,
      env: {
        [agentApi.env.nodeId]: name,
        [agentApi.env.listen]: `0.0.0.0:${agentApi.port}`,
        [agentApi.env.dataDir]: nodePaths.dataDir,
        [agentApi.env.stateDir]: agentStateDir,
        [agentApi.env.nodeProcess]: nodeProcessMatcher,
        [agentApi.env.nodeControlUrl]: `http://127.0.0.1:${nodePorts.control}`,
      },
      secretEnv: { [agentApi.env.token]: inputs.agentToken },
      ports: [],
      files: [],
      volumes: [
        { volume: `${name}-data`, path: nodePaths.dataDir },
        { volume: agentStateVolume(name), path: agentStateDir },
      ],
      capabilities: ["NET_ADMIN"],
      sidecarOf: name,
      restart: "unless-stopped",
    };
    return [node, agent];
  });

  // What a node that joins later (membership-surge, a run-stack resource) runs: a node like the others
  // with the shared joiner certificate, no published port, no sidecar and no data volume.
  const joiner: ServiceSpec<C> = {
    name: joinerHolder,
    role: "node",
    image: nodeImage,
    env: {
      ...meshEnv("node", joinerHolder),
      ...Object.fromEntries(seeds.map((s, k) => [envKey(`mesh:gossip:seedPeers:${k}`), s])),
      [envKey("mesh:workload:rate")]: String(settings.workloadRps),
    },
    ports: [],
    files: certificateFiles(inputs.certificates(joinerHolder)),
    volumes: [],
    healthcheck: settings.node.image ? undefined : controlHealth,
    capabilities: [],
    stopSignal: "SIGTERM",
    restart: "no",
  };

  const prometheus: ServiceSpec<C> = {
    name: "prometheus",
    role: "prometheus",
    image: settings.images.prometheus,
    env: {},
    ports: [{ name: portNames.web, container: 9090, host: published.prometheus, protocol: "tcp" }],
    files: inputs.prometheusFiles,
    // Kept across runs, so metric history survives a new run id.
    volumes: [{ volume: prometheusDataVolume, path: "/var/lib/prometheus/metrics2" }],
    capabilities: [],
    restart: "unless-stopped",
    outlivesRuns: true,
  };

  const grafana: ServiceSpec<C>[] = settings.grafana.enabled
    ? [
        {
          name: "grafana",
          role: "grafana",
          image: settings.grafana.image,
          env: { GF_AUTH_ANONYMOUS_ENABLED: "true", GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer" },
          ports: [{ name: portNames.web, container: 3000, host: published.grafana, protocol: "tcp" }],
          files: inputs.grafanaFiles,
          volumes: [],
          capabilities: [],
          restart: "unless-stopped",
          outlivesRuns: true,
        },
      ]
    : [];

  return {
    project: projectName,
    stack,
    runId: settings.runId,
    prefix,
    network: `${prefix}-net`,
    volumes: [...nodeNames.flatMap((n) => [`${n}-data`, agentStateVolume(n)]), prometheusDataVolume],
    volumeSizeMb: Object.fromEntries(nodeNames.map((n) => [`${n}-data`, nodeDataVolumeSizeMb])),
    services: [registry, ...nodes, prometheus, ...grafana],
    joiner,
    labels: {
      [labelKeys.project]: projectName,
      [labelKeys.stack]: stack,
      [labelKeys.runId]: settings.runId,
    },
  };
}
