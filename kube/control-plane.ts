// The control plane as host processes: etcd (TLS, 127.0.0.1 only), kube-apiserver bound and advertised
// on the node IP (Node,RBAC authorization, token file, no admission webhooks), controller-manager and
// scheduler (their ports on 127.0.0.1, no leader election: there is one of each).
import { join } from "node:path";
import type { ProcessSpec } from "./processes.ts";
import { binary } from "./toolchain.ts";
import { network, statePaths } from "./paths.ts";
import { clusterName } from "./pki.ts";

export const etcdPorts = { client: 12379, peer: 12380, metrics: 12381 } as const;
export const controlPlanePorts = { controllerManager: 10257, scheduler: 10259 } as const;

const pki = (file: string) => join(statePaths.pki, file);

export function etcdSpec(): ProcessSpec {
  const client = `https://127.0.0.1:${etcdPorts.client}`;
  const peer = `https://127.0.0.1:${etcdPorts.peer}`;
  return {
    name: "etcd",
    command: binary("etcd"),
    args: [
      "--name=mkc-etcd",
      `--data-dir=${statePaths.etcdData}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=mkc-etcd=${peer}`,
      `--listen-metrics-urls=http://127.0.0.1:${etcdPorts.metrics}`,
      "--client-cert-auth=true",
      `--trusted-ca-file=${pki("etcd/ca.crt")}`,
      `--cert-file=${pki("etcd/server.crt")}`,
      `--key-file=${pki("etcd/server.key")}`,
      "--peer-client-cert-auth=true",
      `--peer-trusted-ca-file=${pki("etcd/ca.crt")}`,
      `--peer-cert-file=${pki("etcd/peer.crt")}`,
      `--peer-key-file=${pki("etcd/peer.key")}`,
      "--snapshot-count=10000",
      "--quota-backend-bytes=4294967296",
    ],
  };
}

/** Admission plugins that would call out of the API server: none of them may run here. */
export const disabledAdmission = ["MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"] as const;

export function apiServerSpec(): ProcessSpec {
  return {
    name: "kube-apiserver",
    command: binary("kube-apiserver"),
    args: [
      `--advertise-address=${network.nodeIp}`,
      `--bind-address=${network.nodeIp}`,
      `--secure-port=${network.apiServerPort}`,
      `--etcd-servers=https://127.0.0.1:${etcdPorts.client}`,
      `--etcd-cafile=${pki("etcd/ca.crt")}`,
      `--etcd-certfile=${pki("apiserver-etcd-client.crt")}`,
      `--etcd-keyfile=${pki("apiserver-etcd-client.key")}`,
      `--client-ca-file=${pki("ca.crt")}`,
      `--tls-cert-file=${pki("apiserver.crt")}`,
      `--tls-private-key-file=${pki("apiserver.key")}`,
      `--kubelet-client-certificate=${pki("apiserver-kubelet-client.crt")}`,
      `--kubelet-client-key=${pki("apiserver-kubelet-client.key")}`,
      "--kubelet-preferred-address-types=InternalIP,Hostname",
      `--service-account-issuer=https://kubernetes.default.svc.${network.clusterDomain}`,
      `--service-account-key-file=${pki("sa.pub")}`,
      `--service-account-signing-key-file=${pki("sa.key")}`,
      `--service-cluster-ip-range=${network.serviceCidr}`,
      `--service-node-port-range=${network.nodePortRange}`,
      "--authorization-mode=Node,RBAC",
      `--token-auth-file=${statePaths.tokenFile}`,
      "--anonymous-auth=false",
      "--enable-admission-plugins=NodeRestriction",
      `--disable-admission-plugins=${disabledAdmission.join(",")}`,
      "--allow-privileged=true",
      "--profiling=false",
      "--enable-priority-and-fairness=false",
      "--event-ttl=30m",
    ],
  };
}

export function controllerManagerSpec(): ProcessSpec {
  const kubeconfig = statePaths.controllerManagerKubeconfig;
  return {
    name: "kube-controller-manager",
    command: binary("kube-controller-manager"),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${controlPlanePorts.controllerManager}`,
      `--cluster-name=${clusterName}`,
      `--cluster-signing-cert-file=${pki("ca.crt")}`,
      `--cluster-signing-key-file=${pki("ca.key")}`,
      `--root-ca-file=${pki("ca.crt")}`,
      `--service-account-private-key-file=${pki("sa.key")}`,
      `--service-cluster-ip-range=${network.serviceCidr}`,
      "--use-service-account-credentials=true",
      // Pod addresses come from the CNI's host-local range, not per-node CIDRs.
      "--allocate-node-cidrs=false",
      "--leader-elect=false",
      "--profiling=false",
    ],
  };
}

export function schedulerSpec(): ProcessSpec {
  const kubeconfig = statePaths.schedulerKubeconfig;
  return {
    name: "kube-scheduler",
    command: binary("kube-scheduler"),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${controlPlanePorts.scheduler}`,
      "--leader-elect=false",
      "--profiling=false",
    ],
  };
}

/** RBAC the token users and kubeadm's admin group need (applied with the super-admin kubeconfig). */
export function renderBootstrapRbac(): string {
  const objects = [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "kubeadm:cluster-admins" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "kubeadm:cluster-admins" }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "meshkit-chaos:coredns" },
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "meshkit-chaos:coredns" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "meshkit-chaos:coredns" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "meshkit-chaos:dns" }],
    },
  ];
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
}
