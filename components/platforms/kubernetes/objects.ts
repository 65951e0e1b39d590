// The environment as plain Kubernetes objects, built from the same neutral model as Docker. Pure and
// deterministic: the Pulumi layer (workloads.ts) creates them, and the manifest renderer and the Helm
// chart produce the same objects. `C` is the type of secret and file contents (see the model).
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { agentApi } from "../../../agent/contract.ts";
import { paths } from "../../../contract/meshkit.ts";
import { hostPorts, kubernetesNamespace, type EnvironmentSettings } from "../../config.ts";
import { objectNames } from "./names.ts";
import { portNames } from "../../model/build.ts";
import { labelKeys, serviceLabels, type EnvironmentModel, type FileSpec, type ServiceSpec } from "../../model/environment.ts";
import { jobs, type JobKey, type ObservabilitySettings } from "../../observability/input.ts";
import { kubernetesRelabelling, type RelabelConfig } from "../../observability/prometheus-config.ts";
import { ruleFiles } from "../../observability/rules.ts";
import type {
  ConfigMap,
  Container,
  ContainerPort,
  Deployment,
  EnvVar,
  Manifest,
  ObjectMeta,
  OperatorObject,
  PodSpec,
  PodTemplate,
  Probe,
  Role,
  RoleBinding,
  Secret,
  Service,
  ServiceAccount,
  StatefulSet,
  Volume,
  VolumeMountSpec,
} from "./manifest.ts";

export { objectNames };

/** NodePort Service publishing one service's ports on the host (`<service>-host`). */
export const hostServiceName = (service: string): string => `${service}-host`;

/** A pod's name, as the downward API gives it: the node's identity in a StatefulSet pod. */
const podNameEnv = "MESHKIT_POD_NAME";
const podNameLabel = "statefulset.kubernetes.io/pod-name";
/** Keys per Secret holding the node's files: a Secret is at most 1 MiB, a node's files ≈ 2.5 KB. */
const nodesPerFileSecret = 100;
/** Where the init container finds every node's files (a projected volume of the file Secrets). */
const allFilesDir = "/run/meshkit-files";
const kwok = { label: { type: "kwok" }, taint: { key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" } } as const;

/**
 * Pods that outlive runs (Prometheus, Grafana) read their files at start only: a digest of the files
 * in the pod template restarts them when the files change, and only then. Contents not known yet
 * (Pulumi outputs) count by path; those services' files are generated text.
 */
const filesDigestKey = "meshkit-chaos.files-digest";
function filesDigest<C>(files: readonly FileSpec<C>[]): string {
  const hash = createHash("sha256");
  for (const f of files) hash.update(f.path).update("\0").update(typeof f.content === "string" ? f.content : "").update("\0");
  return hash.digest("hex").slice(0, 16);
}

export interface KubernetesObjectsInput<C> {
  readonly model: EnvironmentModel<C>;
  readonly settings: EnvironmentSettings;
  /** The parsed observability input: PodMonitors and PrometheusRules (operator mode) come from it. */
  readonly observability: ObservabilitySettings;
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");

const protocol = (p: "tcp" | "udp"): "TCP" | "UDP" => (p === "tcp" ? "TCP" : "UDP");

function probe(port: number, path: string): Probe {
  // Like the Docker health check: every second, failures during a slow start do not end the pod.
  return { httpGet: { path, port }, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 3, initialDelaySeconds: 1 };
}

/** Files grouped by directory: one ConfigMap (or Secret) per directory, mounted there. */
function byDirectory<C>(files: readonly FileSpec<C>[]): Map<string, FileSpec<C>[]> {
  const dirs = new Map<string, FileSpec<C>[]>();
  for (const f of files) {
    const dir = posix.dirname(f.path);
    dirs.set(dir, [...(dirs.get(dir) ?? []), f]);
  }
  return dirs;
}

/** Builds every object of the environment, in creation order (namespace first). */
export function kubernetesObjects<C>(input: KubernetesObjectsInput<C>): Manifest<C>[] {
  const { model, settings } = input;
  const k8s = settings.kubernetes;
  const namespace = kubernetesNamespace(model.stack, settings);
  const published = k8s.hostAccess === "nodePort";

  const meta = (name: string, labels: Record<string, string> = { ...model.labels }): ObjectMeta => ({ name, namespace, labels });
  // A selector never includes the run id: it changes with every run, a selector cannot.
  const selectorOf = (role: string): Record<string, string> => ({
    [labelKeys.project]: model.project,
    [labelKeys.stack]: model.stack,
    [labelKeys.role]: role,
  });
  const placement: Pick<PodSpec, "nodeSelector" | "tolerations"> = k8s.simulated
    ? { nodeSelector: { ...kwok.label }, tolerations: [{ ...kwok.taint, operator: "Equal" }] }
    : {};
  const image = (name: string): Pick<Container, "image" | "imagePullPolicy"> => ({
    image: name,
    // The project's images are imported into the node, never pulled; others (Grafana) may be pulled.
    imagePullPolicy: name.startsWith(`${model.project}/`) ? "Never" : "IfNotPresent",
  });
  const plainEnv = (env: Readonly<Record<string, string>>): EnvVar[] => Object.entries(env).map(([name, value]) => ({ name, value }));
  /**
   * A pod template: the service's labels (the run id only where a new run must roll the pods; those
   * that outlive runs keep their pods) and the run id as an annotation.
   */
  const template = (spec: ServiceSpec<C>, labels: Record<string, string>, podSpec: PodSpec): PodTemplate => ({
    metadata: {
      labels: spec.outlivesRuns ? Object.fromEntries(Object.entries(labels).filter(([k]) => k !== labelKeys.runId)) : labels,
      annotations: spec.outlivesRuns ? { [filesDigestKey]: filesDigest(spec.files) } : { [labelKeys.runId]: model.runId },
    },
    spec: { ...podSpec, ...placement },
  });
  /** A one-pod Deployment (registry, Prometheus, Grafana): replaced, never two pods at once. */
  const singleDeployment = (spec: ServiceSpec<C>, labels: Record<string, string>, podSpec: PodSpec): Deployment => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(spec.name, labels),
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: selectorOf(spec.role) },
      template: template(spec, labels, podSpec),
    },
  });

  const objects: Manifest<C>[] = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { ...model.labels } } }];
  const add = <M extends Manifest<C>>(m: M): M => {
    objects.push(m);
    return m;
  };

  // Mesh pods never talk to the API: their own account, no token mounted.
  add<ServiceAccount>({ apiVersion: "v1", kind: "ServiceAccount", metadata: meta(objectNames.meshAccount), automountServiceAccountToken: false });

  const services = model.services;
  const registry = services.find((s) => s.role === "registry");
  const nodes = services.filter((s) => s.role === "node");
  const agents = services.filter((s) => s.role === "agent");
  const prometheus = services.find((s) => s.role === "prometheus");
  const grafana = services.find((s) => s.role === "grafana");
  if (!registry || !prometheus || nodes.length === 0) throw new Error("the environment model needs a registry, nodes and prometheus");
  const firstNode = nodes[0]!;
  const firstAgent = agents.find((a) => a.sidecarOf === firstNode.name);
  if (!firstAgent) throw new Error(`the environment model has no agent beside ${firstNode.name}`);

  // The agent token, read by every sidecar from one Secret.
  const tokenKey = "token";
  const secretEnvOf = (spec: ServiceSpec<C>): EnvVar[] =>
    Object.keys(spec.secretEnv ?? {}).map((name) => ({ name, valueFrom: { secretKeyRef: { name: objectNames.agentToken, key: tokenKey } } }));
  const token = firstAgent.secretEnv && Object.values(firstAgent.secretEnv)[0];
  if (token === undefined) throw new Error("the agent service has no secret token in the environment model");
  add<Secret<C>>({ apiVersion: "v1", kind: "Secret", metadata: meta(objectNames.agentToken), type: "Opaque", stringData: { [tokenKey]: token } });

  // --- Registry: one pod, its files (certificates) in a Secret, copied into a writable directory.
  const registryFilesSecret = `${registry.name}-files`;
  add<Secret<C>>({
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(registryFilesSecret),
    type: "Opaque",
    stringData: Object.fromEntries(registry.files.map((f) => [posix.basename(f.path), f.content])),
  });
  add(headlessService(registry.name, registry, selectorOf("registry")));
  // One pod is one member: its node label names it (Prometheus' `node` label comes from it).
  const registryLabels = { ...serviceLabels(model, registry), [labelKeys.node]: registry.name };
  add(singleDeployment(registry, registryLabels, {
    ...meshPod(),
    // Its SRV record (Prometheus' discovery) then names it like a StatefulSet pod: registry.registry.<ns>.
    hostname: registry.name,
    subdomain: registry.name,
    initContainers: [copyFiles(registry, () => posix.basename)],
    containers: [container(registry, [], registry.ports)],
    volumes: [filesSource([registryFilesSecret]), ...fileDirVolumes(registry)],
  }));

  // --- Nodes: one StatefulSet of N pods named node-1..node-N; each pod's name is its identity.
  const fileSecrets: string[] = [];
  for (let start = 0; start < nodes.length; start += nodesPerFileSecret) {
    const name = `${objectNames.nodes}-files-${fileSecrets.length}`;
    fileSecrets.push(name);
    add<Secret<C>>({
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta(name),
      type: "Opaque",
      stringData: Object.fromEntries(
        nodes.slice(start, start + nodesPerFileSecret).flatMap((n) => n.files.map((f) => [`${n.name}.${posix.basename(f.path)}`, f.content])),
      ),
    });
  }
  add(headlessService(objectNames.nodes, firstNode, selectorOf("node")));
  // One template for every node: values naming node-1 become the pod's own name, and the seed list is
  // the joiner's (every seed; a node skips itself).
  const identity = (env: Readonly<Record<string, string>>): Record<string, string> =>
    Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === firstNode.name ? `$(${podNameEnv})` : v]));
  const seedKey = /^mesh__gossip__seedPeers__/;
  const nodeEnv = {
    ...Object.fromEntries(Object.entries(identity(firstNode.env)).filter(([k]) => !seedKey.test(k))),
    ...Object.fromEntries(Object.entries(model.joiner.env).filter(([k]) => seedKey.test(k))),
  };
  const podName: EnvVar = { name: podNameEnv, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } };
  const nodeVolumes = (spec: ServiceSpec<C>) => spec.volumes.map((v) => ({ ...v, volume: v.volume.slice(firstNode.name.length + 1) }));
  const memberVolumes = [firstNode, firstAgent].flatMap(nodeVolumes);
  const nodeLabels = Object.fromEntries(Object.entries(serviceLabels(model, firstNode)).filter(([k]) => k !== labelKeys.node));
  add<StatefulSet>({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: meta(objectNames.nodes, nodeLabels),
    spec: {
      serviceName: objectNames.nodes,
      replicas: nodes.length,
      ordinals: { start: 1 },
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selectorOf("node") },
      template: template(firstNode, nodeLabels, {
        ...meshPod(),
        // The agent finds the node's process (and its files under /proc/<pid>/root) in the shared PID namespace.
        shareProcessNamespace: true,
        // `node-2` resolves through the headless Service, `registry` through the namespace's search domain.
        dnsConfig: { searches: [`${objectNames.nodes}.${namespace}.svc.cluster.local`] },
        initContainers: [copyFiles(firstNode, () => (path) => `$(${podNameEnv}).${posix.basename(path)}`)],
        containers: [
          container({ ...firstNode, env: nodeEnv, volumes: nodeVolumes(firstNode) }, [podName], firstNode.ports.filter((p) => p.name !== portNames.agent)),
          container(
            { ...firstAgent, env: identity(firstAgent.env), volumes: nodeVolumes(firstAgent) },
            [podName, ...secretEnvOf(firstAgent)],
            firstNode.ports.filter((p) => p.name === portNames.agent),
            probe(agentApi.port, agentApi.paths.health),
          ),
        ],
        volumes: [
          filesSource(fileSecrets),
          ...fileDirVolumes(firstNode),
          ...[...new Set(memberVolumes.map((v) => v.volume))].map((v): Volume => {
            const sizeMb = model.volumeSizeMb[`${firstNode.name}-${v}`];
            return { name: v, emptyDir: sizeMb === undefined ? {} : { medium: "Memory", sizeLimit: `${sizeMb}Mi` } };
          }),
        ],
      }),
    },
  });

  // --- Observability: our own Prometheus (discovering pods through the API), or the operator's objects.
  const promLabels = serviceLabels(model, prometheus);
  const promPort = prometheus.ports[0]!;
  if (k8s.prometheusOperator) {
    add<ServiceAccount>({ apiVersion: "v1", kind: "ServiceAccount", metadata: meta(objectNames.prometheus, promLabels), automountServiceAccountToken: true });
    addPodReader(objectNames.prometheus, promLabels);
    for (const key of Object.keys(jobs) as JobKey[]) add(podMonitor(key));
    for (const file of ruleFiles(input.observability.thresholds)) {
      add<OperatorObject>({ apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: meta(`meshkit-${file.concern}`), spec: { groups: file.groups } });
    }
    const selector = { matchLabels: { [labelKeys.project]: model.project, [labelKeys.stack]: model.stack } };
    add<OperatorObject>({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "Prometheus",
      metadata: meta(objectNames.prometheus, promLabels),
      spec: {
        serviceAccountName: objectNames.prometheus,
        replicas: 1,
        scrapeInterval: `${input.observability.scrapeIntervalSeconds}s`,
        evaluationInterval: `${input.observability.scrapeIntervalSeconds}s`,
        podMonitorSelector: selector,
        ruleSelector: selector,
        // Our Services select its pods by our labels, as they would our own Deployment's.
        podMetadata: { labels: selectorOf("prometheus") },
        ...placement,
      },
    });
  } else {
    const configMaps = filesConfigMaps(prometheus);
    // It discovers targets through the cluster DNS: no API access at all.
    add<ServiceAccount>({ apiVersion: "v1", kind: "ServiceAccount", metadata: meta(objectNames.prometheus, promLabels), automountServiceAccountToken: false });
    add(singleDeployment(prometheus, promLabels, {
      serviceAccountName: objectNames.prometheus,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 10,
      containers: [container(prometheus, [], prometheus.ports, probe(promPort.container, "/-/ready"), configMaps.mounts)],
      volumes: [...configMaps.volumes, ...dataVolumes(prometheus)],
    }));
  }
  add(clusterService(prometheus.name, prometheus, selectorOf("prometheus")));
  if (grafana) {
    const configMaps = filesConfigMaps(grafana);
    const labels = serviceLabels(model, grafana);
    add(singleDeployment(grafana, labels, {
      ...meshPod(),
      containers: [container(grafana, [], grafana.ports, probe(grafana.ports[0]!.container, "/api/health"), configMaps.mounts)],
      volumes: configMaps.volumes,
    }));
  }

  // --- Host access: NodePorts at the Docker host-port layout (kube-proxy serves them on 127.0.0.1).
  if (published) {
    const exposed: [ServiceSpec<C>, Record<string, string>][] = [
      [prometheus, selectorOf("prometheus")],
      [registry, selectorOf("registry")],
      ...nodes.map((n): [ServiceSpec<C>, Record<string, string>] => [n, { ...selectorOf("node"), [podNameLabel]: n.name }]),
      ...(grafana ? [[grafana, selectorOf("grafana")] as [ServiceSpec<C>, Record<string, string>]] : []),
    ];
    for (const [spec, selector] of exposed) {
      add<Service>({
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(hostServiceName(spec.name), serviceLabels(model, spec)),
        spec: {
          type: "NodePort",
          // A node's agent must stay reachable while a fault keeps its node unready (process-kill,
          // process-pause): its revert comes through this port. Docker publishes ports regardless too.
          ...(spec.role === "node" ? { publishNotReadyAddresses: true } : {}),
          selector,
          ports: spec.ports
            .filter((p) => p.host !== undefined)
            .map((p) => ({ name: p.name, port: p.container, targetPort: p.container, protocol: protocol(p.protocol), nodePort: p.host! })),
        },
      });
    }
  }
  return objects;

  // --- helpers (closures over the model and namespace) ---

  function meshPod(): Pick<PodSpec, "serviceAccountName" | "automountServiceAccountToken" | "enableServiceLinks" | "terminationGracePeriodSeconds"> {
    return { serviceAccountName: objectNames.meshAccount, automountServiceAccountToken: false, enableServiceLinks: false, terminationGracePeriodSeconds: 10 };
  }

  function container(spec: ServiceSpec<C>, extraEnv: EnvVar[], ports: ServiceSpec<C>["ports"], readiness?: Probe, mounts: VolumeMountSpec[] = []): Container {
    const control = spec.ports.find((p) => p.name === portNames.control);
    const health = readiness ?? (spec.healthcheck && control ? probe(control.container, paths.healthz) : undefined);
    const writable = spec.role === "registry" || spec.role === "node" ? fileDirMounts(spec) : [];
    return {
      name: spec.role === "agent" ? "agent" : spec.role,
      ...image(spec.image),
      ...(spec.command ? { command: [...spec.command] } : {}),
      env: [...extraEnv, ...plainEnv(spec.env), ...(spec.role === "agent" ? [] : secretEnvOf(spec))],
      ports: ports.map((p): ContainerPort => ({ name: p.name, containerPort: p.container, protocol: protocol(p.protocol) })),
      volumeMounts: [...spec.volumes.map((v) => ({ name: v.volume, mountPath: v.path })), ...writable, ...mounts],
      ...(health ? { readinessProbe: health } : {}),
      ...(spec.capabilities.length > 0 ? { securityContext: { capabilities: { add: [...spec.capabilities] } } } : {}),
    };
  }

  /** Writable directories holding the service's files (emptyDirs): a certificate fault swaps them in place. */
  function fileDirVolumes(spec: ServiceSpec<C>): Volume[] {
    return [...byDirectory(spec.files).keys()].map((dir, i) => ({ name: `files-${i}`, emptyDir: { medium: "Memory" as const } }));
  }
  function fileDirMounts(spec: ServiceSpec<C>): VolumeMountSpec[] {
    return [...byDirectory(spec.files).keys()].map((dir, i) => ({ name: `files-${i}`, mountPath: dir }));
  }
  function filesSource(secrets: readonly string[]): Volume {
    return { name: "files-source", projected: { defaultMode: 0o400, sources: secrets.map((name) => ({ secret: { name } })) } };
  }

  /** Copies the pod's own files from the Secrets to their paths (private keys 0600), so the node sees the Docker layout. */
  function copyFiles(spec: ServiceSpec<C>, keyOf: () => (path: string) => string): Container {
    const key = keyOf();
    const script = spec.files
      .map((f) => `install -m ${f.secret ? "0600" : "0644"} "${allFilesDir}/${key(f.path)}" "${f.path}"`)
      .join(" && ");
    return {
      name: "files",
      ...image(spec.image),
      command: ["/bin/bash", "-c", script],
      env: [{ name: podNameEnv, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
      volumeMounts: [{ name: "files-source", mountPath: allFilesDir, readOnly: true }, ...fileDirMounts(spec)],
    };
  }

  function dataVolumes(spec: ServiceSpec<C>): Volume[] {
    return spec.volumes.map((v) => ({ name: v.volume, emptyDir: {} }));
  }

  /**
   * Files as ConfigMaps, one per directory; a directory nested in another (Prometheus' rules) joins its
   * projected volume, since a mount inside a read-only mount cannot be made.
   */
  function filesConfigMaps(spec: ServiceSpec<C>): { volumes: Volume[]; mounts: VolumeMountSpec[] } {
    const dirs = [...byDirectory(spec.files)];
    const roots = dirs.map(([d]) => d).filter((d, _, all) => !all.some((o) => d.startsWith(`${o}/`)));
    const rootOf = (dir: string) => roots.find((r) => dir === r || dir.startsWith(`${r}/`))!;
    const volumes: Volume[] = [];
    const mounts: VolumeMountSpec[] = [];
    for (const [i, root] of roots.entries()) {
      const sources: { configMap: { name: string; items: { key: string; path: string }[] } }[] = [];
      for (const [dir, files] of dirs.filter(([d]) => rootOf(d) === root)) {
        const suffix = dir !== root ? slug(posix.relative(root, dir)) : roots.length === 1 ? "config" : slug(dir.split("/").slice(-2).join("-"));
        const name = `${spec.name}-${suffix}`;
        add<ConfigMap<C>>({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: meta(name, serviceLabels(model, spec)),
          data: Object.fromEntries(files.map((f) => [posix.basename(f.path), f.content])),
        });
        sources.push({
          configMap: { name, items: files.map((f) => ({ key: posix.basename(f.path), path: posix.relative(root, f.path) })) },
        });
      }
      volumes.push({ name: `config-${i}`, projected: { sources } });
      mounts.push({ name: `config-${i}`, mountPath: root, readOnly: true });
    }
    return { volumes, mounts };
  }

  /** Per-pod DNS names (gossip peers) and SRV records of each named port (Prometheus' discovery). */
  function headlessService(name: string, spec: ServiceSpec<C>, selector: Record<string, string>): Service {
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(name, serviceLabels(model, { ...spec, nodeId: undefined })),
      spec: {
        type: "ClusterIP",
        clusterIP: "None",
        // Gossip starts before a member is ready.
        publishNotReadyAddresses: true,
        selector,
        ports: spec.ports.map((p) => ({ name: p.name, port: p.container, targetPort: p.container, protocol: protocol(p.protocol) })),
      },
    };
  }

  function clusterService(name: string, spec: ServiceSpec<C>, selector: Record<string, string>): Service {
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(name, serviceLabels(model, spec)),
      spec: {
        type: "ClusterIP",
        selector,
        ports: spec.ports.map((p) => ({ name: p.name, port: p.container, targetPort: p.container, protocol: protocol(p.protocol) })),
      },
    };
  }

  /** Least privilege for the operator's Prometheus: read pods of this namespace, nothing else. */
  function addPodReader(account: string, labels: Record<string, string>): void {
    add<Role>({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta(`${account}-pod-reader`, labels),
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
    });
    add<RoleBinding>({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(`${account}-pod-reader`, labels),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${account}-pod-reader` },
      subjects: [{ kind: "ServiceAccount", name: account, namespace }],
    });
  }

  function podMonitor(key: JobKey): OperatorObject {
    const s = input.observability;
    const discovery = s.kubernetes;
    if (!discovery) throw new Error("operator mode needs the observability input's kubernetes discovery");
    const camel = (r: RelabelConfig) => ({
      action: r.action,
      ...(r.source_labels ? { sourceLabels: r.source_labels } : {}),
      ...(r.separator ? { separator: r.separator } : {}),
      ...(r.regex ? { regex: r.regex } : {}),
      ...(r.target_label ? { targetLabel: r.target_label } : {}),
      ...(r.replacement !== undefined ? { replacement: r.replacement } : {}),
    });
    const job = discovery.jobs[key];
    return {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: meta(jobs[key]),
      spec: {
        selector: { matchLabels: selectorOf(job.podRole) },
        podMetricsEndpoints: [
          {
            port: job.port,
            path: s.scrape[key].metricsPath,
            interval: `${s.scrapeIntervalSeconds}s`,
            scrapeTimeout: `${s.scrapeIntervalSeconds}s`,
            relabelings: [...kubernetesRelabelling(s, discovery, key).map(camel), { action: "replace", targetLabel: "job", replacement: jobs[key] }],
          },
        ],
      },
    };
  }
}

/** Endpoints the runner reaches: NodePorts on 127.0.0.1 at the host-port layout, or in-cluster DNS names. */
export function kubernetesEndpoints(stack: string, settings: EnvironmentSettings, nodeNames: readonly string[]) {
  const namespace = kubernetesNamespace(stack, settings);
  const { control } = settings.node.ports;
  if (settings.kubernetes.hostAccess === "nodePort") {
    const ports = hostPorts(settings);
    const local = (port: number) => `http://127.0.0.1:${port}`;
    return {
      nodes: nodeNames.map((name, i) => ({ name, controlUrl: local(ports.nodeControl(i)), agentUrl: local(ports.agent(i)) })),
      registryUrl: local(ports.registry),
      prometheusUrl: local(ports.prometheus),
      grafanaUrl: settings.grafana.enabled ? local(ports.grafana) : null,
    };
  }
  const svc = (host: string, port: number) => `http://${host}.${namespace}.svc.cluster.local:${port}`;
  return {
    nodes: nodeNames.map((name) => ({
      name,
      controlUrl: svc(`${name}.${objectNames.nodes}`, control),
      agentUrl: svc(`${name}.${objectNames.nodes}`, agentApi.port),
    })),
    registryUrl: svc(objectNames.registry, control),
    prometheusUrl: svc(objectNames.prometheus, 9090),
    grafanaUrl: settings.grafana.enabled ? svc(objectNames.grafana, 3000) : null,
  };
}
