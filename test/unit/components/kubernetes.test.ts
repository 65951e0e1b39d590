// The Kubernetes component tree under Pulumi mocks: no engine, no cluster. The real cluster is
// exercised by test/e2e/kube-environment.test.ts.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSettings } from "../../../components/config.ts";
import { labelKeys } from "../../../components/model/environment.ts";
import { observabilityFiles, promtoolChecks, writeObservabilityFiles } from "../../../components/observability/index.ts";
import { observabilityInput } from "../../../components/model/observability.ts";
import { paths } from "../../../contract/meshkit.ts";
import { localKubeconfig } from "../../../kube/paths.ts";

interface Created {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

let created: Created[] = [];
const privateKey = (name: string) => `mock-private-key-of-${name}`;

const selfSignedPem = (): string =>
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=mock", "-days", "1"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );

beforeAll(() => {
  const pem = selfSignedPem();
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        created.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "tls:index/privateKey:PrivateKey") state.privateKeyPem = privateKey(args.name);
        if (args.type.startsWith("tls:index/") && args.type.endsWith("Cert")) state.certPem = pem;
        if (args.type === "tls:index/certRequest:CertRequest") state.certRequestPem = "csr";
        if (args.type === "random:index/randomPassword:RandomPassword") state.result = "mock-agent-token-value";
        if (args.type === "random:index/randomId:RandomId") state.hex = "abcd";
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "meshkit-chaos",
    "kube",
    false,
  );
});

async function environment(raw: Record<string, unknown>, stack = "kube") {
  created = [];
  const { ChaosEnvironment } = await import("../../../components/chaos-environment.ts");
  const env = new ChaosEnvironment("environment", { stack, settings: parseSettings({ platform: "kubernetes", hostPortBase: 33000, ...raw }, "test") });
  await new Promise<void>((resolve) => env.certificateFingerprints.apply(() => resolve()));
  await new Promise((r) => setTimeout(r, 100));
  return env;
}

const objects = () => created.filter((c) => c.type.startsWith("kubernetes:") && c.type !== "pulumi:providers:kubernetes");
const ofKind = (kind: string) => objects().filter((c) => c.inputs.kind === kind || c.type.endsWith(`:${kind}`));
const one = (kind: string, name: string) => {
  const found = ofKind(kind).filter((c) => c.inputs.metadata?.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0]!;
};
/** The engine's marker of a secret value: the mocks see a Secret's contents wrapped in it. */
const secretSig = "4dabf18193072939515e22adb298388d";
const isSecretValue = (v: unknown): boolean => typeof v === "object" && v !== null && secretSig in v;
const reveal = (v: any): any => (isSecretValue(v) ? v.value : v);
const workloads = () => [...ofKind("StatefulSet"), ...ofKind("Deployment")];
const podSpec = (c: Created) => c.inputs.spec.template.spec;

describe("ChaosEnvironment on Kubernetes", () => {
  it("makes one StatefulSet of N pods named node-1..node-N, whatever N is", async () => {
    for (const n of [1, 3, 10]) {
      await environment({ nodes: n });
      expect(created.filter((c) => c.type.startsWith("docker:")), "no Docker object").toEqual([]);
      const sts = one("StatefulSet", "node");
      expect(sts.inputs.spec).toMatchObject({ replicas: n, ordinals: { start: 1 }, podManagementPolicy: "Parallel", serviceName: "node" });
      expect(one("Service", "node").inputs.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
      expect(one("Service", "registry").inputs.spec).toMatchObject({ clusterIP: "None" });
      expect(ofKind("Namespace")).toHaveLength(1);
      expect(ofKind("Deployment").map((d) => d.inputs.metadata.name).sort()).toEqual(["prometheus", "registry"]);
      // Every node's files and the registry's in Secrets, plus the agent token.
      expect(ofKind("Secret").map((s) => s.inputs.metadata.name).sort()).toEqual(["agent-token", "node-files-0", "registry-files"]);
      const nodeFiles = Object.keys(reveal(one("Secret", "node-files-0").inputs.stringData));
      expect(nodeFiles).toHaveLength(3 * n);
      expect(nodeFiles).toContain(`node-${n}.tls.key`);
      // Prometheus, the registry and every node published on the host.
      expect(ofKind("Service").filter((s) => s.inputs.spec.type === "NodePort")).toHaveLength(n + 2);
      const components = created.filter((c) => c.type.startsWith("meshkit-chaos:")).map((c) => c.type);
      expect(components.sort()).toEqual(["meshkit-chaos:index:ChaosEnvironment", "meshkit-chaos:index:KubernetesWorkloads", "meshkit-chaos:index:RunCertificates"]);
    }
  });

  it("creates everything through one explicit provider: the local cluster's kubeconfig unless the stack names another", async () => {
    await environment({ nodes: 1 });
    const providers = created.filter((c) => c.type === "pulumi:providers:kubernetes");
    expect(providers).toHaveLength(1);
    expect(providers[0]!.inputs.kubeconfig).toBe(localKubeconfig);
    await environment({ nodes: 1, kubernetes: { kubeconfig: "/elsewhere/config", context: "lab" } });
    expect(created.filter((c) => c.type === "pulumi:providers:kubernetes").map((p) => [p.inputs.kubeconfig, p.inputs.context])).toEqual([
      ["/elsewhere/config", "lab"],
    ]);
  });

  it("labels every object and every pod with the project, the stack and the run id", async () => {
    await environment({ nodes: 3, runId: "run-7" });
    expect(objects().length).toBeGreaterThan(10);
    for (const c of objects()) {
      expect(c.inputs.metadata.labels, `${c.type} ${c.name}`).toMatchObject({
        [labelKeys.project]: "meshkit-chaos",
        [labelKeys.stack]: "kube",
        [labelKeys.runId]: "run-7",
      });
    }
    for (const w of workloads()) {
      const pod = w.inputs.spec.template.metadata;
      expect(pod.labels, w.name).toMatchObject({ [labelKeys.project]: "meshkit-chaos", [labelKeys.stack]: "kube" });
      expect(pod.labels[labelKeys.role], w.name).toBeTruthy();
      // The selector picks the pods by those labels, without the run id (which changes every run).
      expect(pod.labels, w.name).toMatchObject(w.inputs.spec.selector.matchLabels);
      expect(Object.keys(w.inputs.spec.selector.matchLabels)).not.toContain(labelKeys.runId);
    }
    // A new run id rolls the mesh's pods, not Prometheus' (its history stays).
    expect(one("StatefulSet", "node").inputs.spec.template.metadata.annotations).toEqual({ [labelKeys.runId]: "run-7" });
    const prometheusPod = () => one("Deployment", "prometheus").inputs.spec.template.metadata.annotations;
    expect(Object.keys(prometheusPod())).toEqual(["meshkit-chaos.files-digest"]);
    const before = prometheusPod();
    await environment({ nodes: 3, runId: "run-8" });
    expect(prometheusPod(), "same files: no restart").toEqual(before);
    await environment({ nodes: 3, runId: "run-8", scrapeIntervalSeconds: 2 });
    expect(prometheusPod(), "changed config: restart").not.toEqual(before);
  });

  it("keeps private keys and the agent token in Secrets only, and secret in the state", async () => {
    const env = await environment({ nodes: 2 });
    const nonSecret = JSON.stringify(objects().filter((c) => c.inputs.kind !== "Secret" && !c.type.endsWith(":Secret")));
    expect(nonSecret).not.toContain("mock-private-key");
    expect(nonSecret).not.toContain("mock-agent-token-value");
    expect(JSON.stringify(one("Secret", "node-files-0").inputs.stringData)).toContain(privateKey("environment-certificates-node-2-key"));
    expect(reveal(one("Secret", "agent-token").inputs.stringData)).toEqual({ token: "mock-agent-token-value" });
    for (const secret of ofKind("Secret")) expect(isSecretValue(secret.inputs.stringData), secret.name).toBe(true);
    const secrets = env.kubernetes!.resources;
    for (const name of ["Secret/agent-token", "Secret/node-files-0", "Secret/registry-files"]) {
      const secret = secrets.get(name) as unknown as { stringData: pulumi.Output<unknown> };
      expect(await pulumi.isSecret(secret.stringData), name).toBe(true);
    }
    // The agents read the token from the Secret, never from a literal.
    const agent = podSpec(one("StatefulSet", "node")).containers.find((c: { name: string }) => c.name === "agent");
    expect(agent.env).toContainEqual({ name: "MESHKIT_AGENT_TOKEN", valueFrom: { secretKeyRef: { name: "agent-token", key: "token" } } });
  });

  it("runs the agent as a sidecar with NET_ADMIN only, sharing its node's process namespace; mesh pods get no API token", async () => {
    await environment({ nodes: 3 });
    const pod = podSpec(one("StatefulSet", "node"));
    expect(pod.shareProcessNamespace).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe("mesh");
    expect(one("ServiceAccount", "mesh").inputs.automountServiceAccountToken).toBe(false);
    const byName = Object.fromEntries(pod.containers.map((c: { name: string }) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(["node", "agent"]);
    expect(byName.agent.securityContext).toEqual({ capabilities: { add: ["NET_ADMIN"] } });
    expect(byName.node.securityContext).toBeUndefined();
    for (const c of [...pod.containers, ...pod.initContainers]) expect(c.securityContext?.privileged, c.name).toBeUndefined();
    // Same data volume for both (in memory, bounded like Docker's tmpfs); the agent's state its own.
    expect(pod.volumes).toContainEqual({ name: "data", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } });
    expect(byName.node.volumeMounts).toContainEqual({ name: "data", mountPath: "/var/lib/meshkit" });
    expect(byName.agent.volumeMounts).toContainEqual({ name: "data", mountPath: "/var/lib/meshkit" });
    expect(byName.agent.volumeMounts.map((m: { name: string }) => m.name)).toContain("agent-state");
    // Identity from the pod's name; bare names resolve through the headless Service.
    expect(byName.node.env).toContainEqual({ name: "mesh__gossip__nodeId", value: "$(MESHKIT_POD_NAME)" });
    expect(byName.agent.env).toContainEqual({ name: "MESHKIT_AGENT_NODE_ID", value: "$(MESHKIT_POD_NAME)" });
    expect(pod.dnsConfig).toEqual({ searches: ["node.mkc-kube.svc.cluster.local"] });
    expect(byName.node.readinessProbe.httpGet).toEqual({ path: "/healthz", port: 8080 });
    for (const w of workloads()) {
      for (const c of [...podSpec(w).containers, ...(podSpec(w).initContainers ?? [])]) {
        if (c.image.startsWith("meshkit-chaos/")) expect(c.imagePullPolicy, `${w.name} ${c.name}`).toBe("Never");
      }
    }
  });

  it("publishes NodePorts on the stack's host-port layout and outputs those URLs", async () => {
    const env = await environment({ nodes: 3 });
    const nodePorts = Object.fromEntries(
      ofKind("Service")
        .filter((s) => s.inputs.spec.type === "NodePort")
        .flatMap((s) => s.inputs.spec.ports.map((p: { name: string; nodePort: number }) => [`${s.inputs.metadata.name}/${p.name}`, p.nodePort])),
    );
    expect(nodePorts).toEqual({
      "prometheus-host/web": 33000,
      "registry-host/control": 33002,
      "node-1-host/control": 33100,
      "node-1-host/agent": 33300,
      "node-2-host/control": 33101,
      "node-2-host/agent": 33301,
      "node-3-host/control": 33102,
      "node-3-host/agent": 33302,
    });
    expect(one("Service", "node-2-host").inputs.spec.selector).toMatchObject({ "statefulset.kubernetes.io/pod-name": "node-2" });
    expect(env.nodes[1]).toEqual({ name: "node-2", controlUrl: "http://127.0.0.1:33101", agentUrl: "http://127.0.0.1:33301" });
    expect(env.prometheusUrl).toBe("http://127.0.0.1:33000");
    expect(env.registryUrl).toBe("http://127.0.0.1:33002");
    expect([env.platform, env.namespace]).toEqual(["kubernetes", "mkc-kube"]);
  });

  it("without host access publishes nothing and outputs in-cluster URLs", async () => {
    const env = await environment({ nodes: 300, kubernetes: { hostAccess: "none" } });
    expect(ofKind("Service").filter((s) => s.inputs.spec.type === "NodePort")).toEqual([]);
    expect(env.nodes[299]!.controlUrl).toBe("http://node-300.node.mkc-kube.svc.cluster.local:8080");
    expect(env.prometheusUrl).toBe("http://prometheus.mkc-kube.svc.cluster.local:9090");
    // A Secret holds at most 1 MiB: the nodes' files are spread over several, all projected into each pod.
    expect(ofKind("Secret").filter((s) => s.inputs.metadata.name.startsWith("node-files-"))).toHaveLength(3);
    expect(podSpec(one("StatefulSet", "node")).volumes[0].projected.sources).toHaveLength(3);
  }, 60_000);

  it("puts every object in the namespace the stack names (default mkc-<stack>)", async () => {
    await environment({ nodes: 2 }, "kube2");
    expect(one("Namespace", "mkc-kube2")).toBeTruthy();
    await environment({ nodes: 2, kubernetes: { namespace: "team-a" } }, "kube2");
    expect(ofKind("Namespace").map((n) => n.inputs.metadata.name)).toEqual(["team-a"]);
    for (const c of objects().filter((o) => o.inputs.kind !== "Namespace" && !o.type.endsWith(":Namespace"))) {
      expect(c.inputs.metadata.namespace, c.name).toBe("team-a");
    }
    expect(one("ConfigMap", "prometheus-config").inputs.data["prometheus.yml"]).toContain("_control._tcp.node.team-a.svc.cluster.local");
    expect(podSpec(one("StatefulSet", "node")).dnsConfig.searches).toEqual(["node.team-a.svc.cluster.local"]);
  });

  it("places every workload on kwok's simulated nodes when asked", async () => {
    await environment({ nodes: 3, kubernetes: { simulated: true } });
    expect(workloads()).toHaveLength(3);
    for (const w of workloads()) {
      expect(podSpec(w).nodeSelector, w.name).toEqual({ type: "kwok" });
      expect(podSpec(w).tolerations, w.name).toEqual([{ key: "kwok.x-k8s.io/node", operator: "Equal", value: "fake", effect: "NoSchedule" }]);
    }
    await environment({ nodes: 3 });
    for (const w of workloads()) expect(podSpec(w).nodeSelector, w.name).toBeUndefined();
  });

  it("lets our Prometheus find every pod through the cluster DNS, with no API access", async () => {
    await environment({ nodes: 2 });
    expect(ofKind("Role")).toEqual([]);
    expect(ofKind("ClusterRole")).toEqual([]);
    const pod = podSpec(one("Deployment", "prometheus"));
    expect([pod.serviceAccountName, pod.automountServiceAccountToken]).toEqual(["prometheus", false]);
    const config = parse(one("ConfigMap", "prometheus-config").inputs.data["prometheus.yml"]);
    expect(config.scrape_configs.map((j: { dns_sd_configs: { names: string[] }[] }) => j.dns_sd_configs[0]!.names)).toEqual([
      ["_control._tcp.node.mkc-kube.svc.cluster.local"],
      ["_control._tcp.registry.mkc-kube.svc.cluster.local"],
      ["_agent._tcp.node.mkc-kube.svc.cluster.local"],
    ]);
    // Those SRV records exist: the headless Services name the ports, the registry's pod names itself.
    expect(one("Service", "node").inputs.spec.ports.map((p: { name: string }) => p.name)).toEqual(["control", "agent"]);
    expect(podSpec(one("Deployment", "registry"))).toMatchObject({ hostname: "registry", subdomain: "registry" });
    // Rules and config as ConfigMaps, mounted where the image expects them.
    expect(ofKind("ConfigMap").map((c) => c.inputs.metadata.name).sort()).toEqual(["prometheus-config", "prometheus-rules"]);
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: "config-0", mountPath: "/etc/meshkit-prometheus", readOnly: true });
  });

  it("declares PodMonitors, PrometheusRules and a Prometheus for the operator instead of its own Prometheus", async () => {
    await environment({ nodes: 2, kubernetes: { prometheusOperator: true } });
    expect(ofKind("Deployment").map((d) => d.inputs.metadata.name)).toEqual(["registry"]);
    expect(ofKind("ConfigMap")).toEqual([]);
    const crs = created.filter((c) => c.type.startsWith("kubernetes:monitoring.coreos.com/v1:"));
    const kinds = crs.map((c) => c.inputs.kind);
    expect(kinds.filter((k) => k === "PodMonitor")).toHaveLength(3);
    expect(kinds.filter((k) => k === "Prometheus")).toHaveLength(1);
    expect(kinds.filter((k) => k === "PrometheusRule").length).toBeGreaterThanOrEqual(5);
    const nodeMonitor = crs.find((c) => c.inputs.metadata.name === "meshkit-node")!;
    expect(nodeMonitor.inputs.spec.podMetricsEndpoints[0]).toMatchObject({ port: "control", path: paths.metrics });
    // The operator's Prometheus discovers pods through the API: read access to pods of this namespace only.
    expect(one("Role", "prometheus-pod-reader").inputs.rules).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
    const rule = crs.find((c) => c.inputs.metadata.name === "meshkit-leadership")!;
    expect(rule.inputs.spec.groups[0].rules.length).toBeGreaterThan(0);
  });
});

describe("ChaosEnvironment on Docker", () => {
  it("makes no Kubernetes object and says it runs on Docker", async () => {
    created = [];
    const { ChaosEnvironment } = await import("../../../components/chaos-environment.ts");
    const env = new ChaosEnvironment("environment", { stack: "ci", settings: parseSettings({ nodes: 2 }, "test") });
    await new Promise<void>((resolve) => env.certificateFingerprints.apply(() => resolve()));
    await new Promise((r) => setTimeout(r, 100));
    expect(created.filter((c) => c.type.includes("kubernetes"))).toEqual([]);
    expect(created.filter((c) => c.type === "docker:index/container:Container")).toHaveLength(6);
    expect([env.platform, env.namespace, env.kubernetes]).toEqual(["docker", null, undefined]);
  });
});

describe("the Kubernetes scrape configuration", () => {
  it("passes promtool and relabels SRV targets to the node, role and instance labels the static targets have", async () => {
    const root = await mkdtemp(join(tmpdir(), "meshkit-kube-prom-"));
    const input = observabilityInput("kube", parseSettings({ platform: "kubernetes", nodes: 3 }, "test"));
    // rule_files point into the checked directory, so `check config` loads the rules too.
    const files = observabilityFiles({ ...input, layout: { prometheusConfigDir: join(root, "prometheus") } });
    try {
      await writeObservabilityFiles(root, files);
      await promtoolChecks(join(root, "prometheus"));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    const config = parse(files.find((f) => f.path === "prometheus/prometheus.yml")!.content);
    const agent = config.scrape_configs.find((j: { job_name: string }) => j.job_name === "meshkit-agent");
    expect(agent.relabel_configs).toEqual([
      { action: "replace", source_labels: ["__meta_dns_srv_record_target"], regex: "([^.]+)\\..*", target_label: "node" },
      { action: "replace", source_labels: ["node"], regex: "(.+)", target_label: "instance", replacement: "$1:9100" },
      { action: "replace", target_label: "project", replacement: "meshkit-chaos" },
      { action: "replace", target_label: "stack", replacement: "kube" },
      { action: "replace", target_label: "role", replacement: "agent" },
    ]);
  });
});
