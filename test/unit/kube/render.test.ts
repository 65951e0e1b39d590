// The local cluster's rendered configuration: what each component is told decides whether pods run,
// NodePorts stay on loopback, DNS answers and kwok nodes take only what tolerates them.
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { renderBootstrapRbac } from "../../../kube/control-plane.ts";
import { renderCorefile } from "../../../kube/dns.ts";
import { containerdRef } from "../../../kube/images.ts";
import { renderKwokNode, renderKwokNodes } from "../../../kube/kwok.ts";
import { renderCniConflist, renderContainerdConfig, renderKubeProxyConfig, renderKubeletConfig } from "../../../kube/node-runtime.ts";
import { hostDirs, localKubeconfig, network } from "../../../kube/paths.ts";
import { renameAdminContext, renderKubeadmConfig, renderTokenKubeconfig } from "../../../kube/pki.ts";
import { splitRule } from "../../../kube/teardown.ts";

describe("containerd config", () => {
  const toml = renderContainerdConfig("meshkit-chaos/pause:abc");
  it("is a separate instance from Docker's: own root, state and socket", () => {
    expect(toml).toContain(`root = "${hostDirs.containerdRoot}"`);
    expect(toml).toContain(`state = "${hostDirs.containerdState}"`);
    expect(toml).toContain(`address = "${hostDirs.containerdSocket}"`);
    expect(toml).not.toMatch(/\/run\/containerd\/containerd.sock|\/var\/lib\/containerd"/);
  });
  it("runs pods the way this host allows: cgroupfs, restricted OOM score, the local pause image", () => {
    expect(toml).toMatch(/SystemdCgroup = false/);
    expect(toml).toMatch(/restrict_oom_score_adj = true/);
    expect(toml).toContain('sandbox_image = "meshkit-chaos/pause:abc"');
    expect(toml).toContain(`conf_dir = "${hostDirs.cniConfDir}"`);
  });
});

describe("CNI network", () => {
  const conf = JSON.parse(renderCniConflist()) as { name: string; plugins: { type: string; bridge?: string; ipam?: { ranges: { subnet: string }[][] } }[] };
  it("bridges pods on mkc-cni0 in the pod CIDR, with port mapping and the firewall plugin (Docker's FORWARD is DROP)", () => {
    expect(conf.plugins.map((p) => p.type)).toEqual(["bridge", "portmap", "firewall"]);
    expect(conf.plugins[0]!.bridge).toBe("mkc-cni0");
    expect(conf.plugins[0]!.ipam!.ranges[0]![0]!.subnet).toBe("10.204.0.0/16");
    expect(conf.name).toBe(hostDirs.cniNetworkName);
  });
});

describe("kubelet config", () => {
  const config = parse(renderKubeletConfig()) as Record<string, unknown>;
  it("uses cgroupfs, tolerates cgroup v1 and swap, and points pods at the cluster DNS", () => {
    expect(config).toMatchObject({
      cgroupDriver: "cgroupfs",
      failCgroupV1: false,
      failSwapOn: false,
      clusterDNS: ["10.203.0.1"],
      clusterDomain: "cluster.local",
      readOnlyPort: 0,
      healthzBindAddress: "127.0.0.1",
      address: network.nodeIp,
    });
  });
  it("never evicts pods for a full-ish disk nor collects their images", () => {
    const eviction = config.evictionHard as Record<string, string>;
    for (const signal of ["nodefs.available", "imagefs.available", "nodefs.inodesFree"]) expect(eviction[signal]).toBe("1%");
    expect(config.imageGCHighThresholdPercent).toBe(100);
  });
  it("talks to the node's own containerd", () => {
    expect(config.containerRuntimeEndpoint).toBe(`unix://${hostDirs.containerdSocket}`);
  });
});

describe("kube-proxy config", () => {
  const config = parse(renderKubeProxyConfig()) as Record<string, unknown>;
  it("uses iptables with NodePorts on loopback only and leaves conntrack sysctls alone", () => {
    expect(config).toMatchObject({ mode: "iptables", nodePortAddresses: ["127.0.0.0/8"], clusterCIDR: "10.204.0.0/16" });
    expect(config.conntrack).toMatchObject({ maxPerCore: 0 });
    expect(String(config.metricsBindAddress)).toMatch(/^127\.0\.0\.1:/);
    expect(String(config.healthzBindAddress)).toMatch(/^127\.0\.0\.1:/);
  });
});

describe("Corefile", () => {
  const corefile = renderCorefile("/x/coredns.conf");
  it("serves cluster.local from the API server on the node IP, pods included", () => {
    expect(corefile).toMatch(/^cluster\.local:53 /);
    expect(corefile).toContain("bind 10.203.0.1");
    expect(corefile).toMatch(/kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{/);
    expect(corefile).toContain("kubeconfig /x/coredns.conf meshkit-chaos");
    expect(corefile).toContain("pods insecure");
  });
  it("forwards nothing: no other zone has a server block", () => {
    expect(corefile).not.toMatch(/forward|^\.:53|\n\.:53/);
  });
});

describe("kwok nodes", () => {
  it("are labelled type=kwok, tainted NoSchedule, annotated fake and have room for 1000 pods", () => {
    const node = renderKwokNode(4) as {
      metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
      spec: { taints: unknown[] };
      status: { allocatable: Record<string, string> };
    };
    expect(node.metadata.name).toBe("mkc-kwok-4");
    expect(node.metadata.labels.type).toBe("kwok");
    expect(node.metadata.annotations["kwok.x-k8s.io/node"]).toBe("fake");
    expect(node.spec.taints).toEqual([{ key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" }]);
    expect(node.status.allocatable.pods).toBe("1000");
  });
  it("come as one list of N distinct names", () => {
    const list = JSON.parse(renderKwokNodes(3)) as { items: { metadata: { name: string } }[] };
    expect(list.items.map((n) => n.metadata.name)).toEqual(["mkc-kwok-0", "mkc-kwok-1", "mkc-kwok-2"]);
    expect(JSON.parse(renderKwokNodes(0)).items).toEqual([]);
  });
});

describe("certificates and kubeconfigs", () => {
  it("kubeadm config pins the version (kubeadm never goes online) and the cluster's network", () => {
    const [init, cluster] = parseAllDocuments(renderKubeadmConfig()).map((d) => d.toJSON() as Record<string, any>);
    expect(init!.localAPIEndpoint).toEqual({ advertiseAddress: "10.203.0.1", bindPort: 6443 });
    expect(init!.nodeRegistration.name).toBe("mkc-node");
    expect(cluster!.kubernetesVersion).toBe("v1.34.4");
    expect(cluster!.networking).toEqual({ serviceSubnet: "10.205.0.0/16", podSubnet: "10.204.0.0/16", dnsDomain: "cluster.local" });
    expect(cluster!.apiServer.certSANs).toContain("10.205.0.1");
  });
  it("a token user's kubeconfig carries the token and the CA, under the meshkit-chaos context", () => {
    const config = parse(renderTokenKubeconfig("system:kube-proxy", "t0k3n", "PEM")) as Record<string, any>;
    expect(config["current-context"]).toBe("meshkit-chaos");
    expect(config.users[0].user.token).toBe("t0k3n");
    expect(config.clusters[0].cluster.server).toBe("https://10.203.0.1:6443");
    expect(Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toBe("PEM");
  });
  it("the admin kubeconfig's context is meshkit-chaos and it lives in .kube-local", () => {
    const renamed = parse(renameAdminContext("contexts:\n- name: kubernetes-admin@x\n  context: {cluster: x, user: u}\ncurrent-context: kubernetes-admin@x\n")) as Record<string, any>;
    expect(renamed["current-context"]).toBe("meshkit-chaos");
    expect(renamed.contexts[0].name).toBe("meshkit-chaos");
    expect(localKubeconfig).toMatch(/\/\.kube-local\/admin\.kubeconfig$/);
  });
  it("RBAC binds kubeadm's admin group and gives CoreDNS read-only access", () => {
    const list = JSON.parse(renderBootstrapRbac()) as { items: { kind: string; metadata: { name: string }; rules?: { verbs: string[] }[] }[] };
    const role = list.items.find((o) => o.kind === "ClusterRole")!;
    expect(role.rules!.flatMap((r) => r.verbs).every((v) => v === "list" || v === "watch")).toBe(true);
    expect(list.items.map((o) => o.metadata.name)).toContain("kubeadm:cluster-admins");
  });
});

describe("helpers", () => {
  it("names images the way containerd and kubelet do", () => {
    expect(containerdRef("meshkit-chaos/node:abc")).toBe("docker.io/meshkit-chaos/node:abc");
    expect(containerdRef("busybox")).toBe("docker.io/library/busybox:latest");
    expect(containerdRef("localhost:5000/x:1")).toBe("localhost:5000/x:1");
  });
  it("splits iptables-save rules with quoted comments into arguments", () => {
    expect(splitRule('-D PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES')).toEqual([
      "-D",
      "PREROUTING",
      "-m",
      "comment",
      "--comment",
      "kubernetes service portals",
      "-j",
      "KUBE-SERVICES",
    ]);
  });
});
