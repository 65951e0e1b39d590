// `meshkit-chaos kube up|down` on this host: real pods on the real node (two containers, a NET_ADMIN
// sidecar whose iptables rule takes effect, ClusterIP and headless DNS), a pod on a kwok node, and a
// `down` that leaves the host as it found it (test/support/host-state.ts says which fields are compared).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { kubectl, kubectlOrThrow } from "../../kube/kubectl.ts";
import { labelKeys } from "../../components/model/environment.ts";
import { withClusterLock } from "../../kube/lock.ts";
import { pids } from "../../kube/status.ts";
import { stopCluster } from "../../kube/teardown.ts";
import { snapshotHost, type HostSnapshot } from "../support/host-state.ts";
import { lastJsonLine, meshkitChaos } from "../support/cli.ts";
import { until } from "../support/wait.ts";

const namespace = "mkc-e2e-kube-cluster";
const labels = { [labelKeys.project]: "meshkit-chaos", [labelKeys.stack]: "e2e-kube-cluster" };
const baseImage = "meshkit-chaos/base:bookworm";
const agentImage = "meshkit-chaos/agent:latest";

interface UpJson {
  running: boolean;
  nodes: { name: string; ready: boolean; simulated: boolean }[];
  kubeconfig: string;
  seconds: number;
}

let before: HostSnapshot;

/**
 * The host with no cluster, taken under the cluster lock: other e2e files on this machine bring the
 * cluster up whenever they need it, and one that did so since our `down` is stopped again first.
 */
const quietSnapshot = () =>
  withClusterLock("kube-cluster e2e: host snapshot", () => {}, async () => {
    const running = await pids();
    if (Object.keys(running).length > 0) {
      console.log(`another test started the cluster (${Object.keys(running).join(", ")}); stopping it for the snapshot`);
      await stopCluster(() => {});
    }
    return snapshotHost();
  });
let clusterIsOurs = false;

const down = async () => {
  const result = await meshkitChaos(["kube", "down", "--json"]);
  expect(result.exitCode, result.all).toBe(0);
  return lastJsonLine<{ wasRunning: boolean; removed: string[] }>(result.stdout);
};

/** Runs a shell command in a container of a pod; returns its exit code and output. */
const exec = async (pod: string, container: string, script: string) => {
  const result = await kubectl(["exec", "-n", namespace, pod, "-c", container, "--", "bash", "-c", script]);
  return { ok: result.ok, out: result.all };
};

/** bash's /dev/tcp: the first line the server sends, or the error (the base image has no nc or curl). */
const readLine = (host: string, port: number) =>
  `timeout 5 bash -c 'exec 3<>/dev/tcp/${host}/${port} && head -1 <&3' 2>&1`;

function workload(): string {
  const app = { app: "web" };
  const objects = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels } },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace, labels },
      spec: { clusterIP: "None", selector: app, ports: [{ name: "hello", port: 8080 }] },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-svc", namespace, labels },
      spec: { selector: app, ports: [{ name: "hello", port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web", namespace, labels },
      spec: {
        serviceName: "web",
        replicas: 2,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: app },
        template: {
          metadata: { labels: { ...labels, ...app } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              { name: "main", image: baseImage, imagePullPolicy: "Never", command: ["sleep", "infinity"] },
              {
                // The sidecar shares the pod's network namespace: it serves and it changes the firewall.
                name: "sidecar",
                image: agentImage,
                imagePullPolicy: "Never",
                command: ["/opt/meshkit/bin/node", "-e", "require('net').createServer((s) => s.end(require('os').hostname() + '\\n')).listen(8080)"],
                securityContext: { capabilities: { add: ["NET_ADMIN"] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "simulated", namespace, labels },
      spec: {
        nodeSelector: { type: "kwok" },
        tolerations: [{ key: "kwok.x-k8s.io/node", operator: "Exists", effect: "NoSchedule" }],
        containers: [{ name: "main", image: baseImage, imagePullPolicy: "Never" }],
      },
    },
  ];
  return objects.map((o) => stringify(o)).join("---\n");
}

interface PodJson {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: { phase: string; podIP?: string; containerStatuses?: { ready: boolean }[] };
}
const pod = async (name: string): Promise<PodJson | undefined> => {
  const result = await kubectl(["get", "pod", "-n", namespace, name, "-o", "json"]);
  return result.ok ? (JSON.parse(result.stdout) as PodJson) : undefined;
};
const allReady = (p: PodJson | undefined) => p?.status.phase === "Running" && (p.status.containerStatuses ?? []).every((c) => c.ready);

beforeAll(async () => {
  // A cluster left up (by another test file or a user) is taken down so the snapshot is of a clean host.
  const status = await meshkitChaos(["kube", "status", "--json"]);
  expect(status.exitCode, status.all).toBe(0);
  if (lastJsonLine<{ running: boolean }>(status.stdout).running) console.log("the local cluster was up: taking it down first");
  await down();
  before = await quietSnapshot();
});

afterAll(async () => {
  if (clusterIsOurs) await meshkitChaos(["kube", "down"]);
});

describe("local Kubernetes cluster", () => {
  it("comes up with one real node and 3 simulated ones, all Ready, and a second up returns quickly", async () => {
    clusterIsOurs = true;
    const up = await meshkitChaos(["kube", "up", "--simulated-nodes", "3", "--json"]);
    expect(up.exitCode, up.all).toBe(0);
    const status = lastJsonLine<UpJson>(up.stdout);
    expect(status.running).toBe(true);
    expect(status.nodes.map((n) => `${n.name} ${n.ready} ${n.simulated}`).sort()).toEqual([
      "mkc-kwok-0 true true",
      "mkc-kwok-1 true true",
      "mkc-kwok-2 true true",
      "mkc-node true false",
    ]);
    expect(up.all).toContain(`export KUBECONFIG=${status.kubeconfig}`);
    console.log(`kube up (cold): ${status.seconds.toFixed(1)} s`);

    const again = await meshkitChaos(["kube", "up", "--json"]);
    expect(again.exitCode, again.all).toBe(0);
    const warm = lastJsonLine<UpJson>(again.stdout);
    expect(warm.nodes).toHaveLength(4);
    console.log(`kube up (already running): ${warm.seconds.toFixed(1)} s`);
    expect(warm.seconds).toBeLessThan(10);
  });

  it("runs two-container pods whose names resolve, behind a ClusterIP Service, and a pod on a kwok node", async () => {
    await kubectlOrThrow(["apply", "-f", "-"], { input: workload() });
    await until("web-0 and web-1 Running", 120_000, async () => (allReady(await pod("web-0")) && allReady(await pod("web-1")) ? true : undefined));

    const resolved = await exec("web-1", "main", `getent hosts web-0.web.${namespace}.svc.cluster.local web-0.web`);
    expect(resolved.ok, resolved.out).toBe(true);
    const web0 = await pod("web-0");
    expect(resolved.out).toContain(web0!.status.podIP!);

    const direct = await exec("web-1", "main", readLine("web-0.web", 8080));
    expect(direct.out.trim()).toBe("web-0");
    // kube-proxy programs a new Service's rules a moment after its endpoints are ready.
    const viaService = await until("web-svc answering from web-1", 30_000, async () => {
      const answer = (await exec("web-1", "main", readLine("web-svc", 80))).out.trim();
      return ["web-0", "web-1"].includes(answer) ? answer : undefined;
    });
    expect(["web-0", "web-1"]).toContain(viaService);

    await until("the pod on a kwok node Running", 60_000, async () => ((await pod("simulated"))?.status.phase === "Running" ? true : undefined));
    expect((await pod("simulated"))!.spec.nodeName).toMatch(/^mkc-kwok-\d$/);
  });

  it("lets a NET_ADMIN sidecar's iptables rule refuse the other pod's connections", async () => {
    const web1 = await pod("web-1");
    const rule = `iptables -I INPUT -p tcp --dport 8080 -s ${web1!.status.podIP} -j REJECT --reject-with tcp-reset`;
    const added = await exec("web-0", "sidecar", rule);
    expect(added.ok, added.out).toBe(true);
    const refused = await exec("web-1", "main", readLine("web-0.web", 8080));
    expect(refused.out).toMatch(/Connection refused/);
    // From web-0 itself the server still answers: the rule, not the server, refused web-1.
    const local = await exec("web-0", "main", readLine("127.0.0.1", 8080));
    expect(local.out.trim()).toBe("web-0");
  });

  it("goes down leaving processes, mounts, links, chains, cgroups, sockets and directories as before", async () => {
    const result = await down();
    expect(result.wasRunning).toBe(true);
    clusterIsOurs = false;
    const after = await quietSnapshot();
    expect(after).toEqual(before);
    const status = await meshkitChaos(["kube", "status", "--json"]);
    expect(lastJsonLine<{ running: boolean; pids: object }>(status.stdout)).toMatchObject({ running: false, pids: {} });
    const again = await meshkitChaos(["kube", "down"]);
    expect(again.exitCode).toBe(0);
    expect(again.all).toMatch(/was not running/);
  });
});
