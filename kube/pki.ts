// Certificates, service-account keys and kubeconfigs, made by kubeadm's own phases from a kubeadm config
// (kubernetesVersion pinned, so kubeadm never looks online), plus the token file for token-authenticated
// components (kube-proxy, CoreDNS). Made once; later `up`s reuse them.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { parse, stringify } from "yaml";
import { binary } from "./toolchain.ts";
import { apiServerUrl, hostDirs, localContext, localKubeconfig, network, realNodeName, stateDir, statePaths } from "./paths.ts";

export const kubernetesVersion = "v1.34.4";
export const clusterName = "meshkit-chaos";

/** Users authenticated by the token file; RBAC grants them what they need (kube/rbac.ts). */
export const tokenUsers = {
  kubeProxy: { user: "system:kube-proxy", group: "system:kube-proxy", kubeconfig: join(stateDir, "kube-proxy.conf") },
  coredns: { user: "meshkit-chaos:coredns", group: "meshkit-chaos:dns", kubeconfig: join(stateDir, "coredns.conf") },
} as const;
export type TokenUser = keyof typeof tokenUsers;

export function renderKubeadmConfig(): string {
  const init = {
    apiVersion: "kubeadm.k8s.io/v1beta4",
    kind: "InitConfiguration",
    localAPIEndpoint: { advertiseAddress: network.nodeIp, bindPort: network.apiServerPort },
    nodeRegistration: { name: realNodeName, criSocket: `unix://${hostDirs.containerdSocket}` },
  };
  const cluster = {
    apiVersion: "kubeadm.k8s.io/v1beta4",
    kind: "ClusterConfiguration",
    kubernetesVersion,
    clusterName,
    certificatesDir: statePaths.pki,
    controlPlaneEndpoint: `${network.nodeIp}:${network.apiServerPort}`,
    networking: { serviceSubnet: network.serviceCidr, podSubnet: network.podCidr, dnsDomain: network.clusterDomain },
    apiServer: { certSANs: [network.nodeIp, "127.0.0.1", "localhost", network.kubernetesServiceIp] },
    etcd: { local: { dataDir: statePaths.etcdData, serverCertSANs: ["127.0.0.1", "localhost"], peerCertSANs: ["127.0.0.1", "localhost"] } },
  };
  return `${stringify(init)}---\n${stringify(cluster)}`;
}

/** A kubeconfig for a token user: the cluster CA inline, the token as its credential. */
export function renderTokenKubeconfig(user: string, token: string, caPem: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: apiServerUrl, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: localContext, context: { cluster: clusterName, user } }],
    "current-context": localContext,
  });
}

/** kubeadm's admin.conf with its context renamed to `meshkit-chaos` (what users and the platform select). */
export function renameAdminContext(adminConf: string): string {
  const config = parse(adminConf) as { contexts: { name: string }[]; "current-context": string };
  for (const c of config.contexts) c.name = localContext;
  config["current-context"] = localContext;
  return stringify(config);
}

const kubeadm = async (args: string[], config: string) => {
  const result = await execa(binary("kubeadm"), [...args, "--config", config], { all: true, reject: false });
  if (result.exitCode !== 0) throw new Error(`kubeadm ${args.join(" ")} failed:\n${result.all}`);
};

/** Makes whatever is missing: certificates + SA keys, kubeconfigs, tokens. */
export async function ensurePki(log: (line: string) => void): Promise<void> {
  await mkdir(statePaths.pki, { recursive: true, mode: 0o700 });
  await mkdir(statePaths.config, { recursive: true });
  const config = join(statePaths.config, "kubeadm.yaml");
  await writeFile(config, renderKubeadmConfig());
  if (!existsSync(join(statePaths.pki, "sa.key")) || !existsSync(join(statePaths.pki, "apiserver.crt"))) {
    await kubeadm(["init", "phase", "certs", "all"], config);
    log(`made the cluster's certificates and service-account keys in ${statePaths.pki}`);
  }
  if (!existsSync(statePaths.kubeadmAdminKubeconfig) || !existsSync(statePaths.kubeletKubeconfig)) {
    await kubeadm(["init", "phase", "kubeconfig", "all", "--kubeconfig-dir", stateDir], config);
    log("made the admin, super-admin, kubelet, controller-manager and scheduler kubeconfigs");
  }
  await writeFile(localKubeconfig, renameAdminContext(await readFile(statePaths.kubeadmAdminKubeconfig, "utf8")), { mode: 0o600 });
  if (!existsSync(statePaths.tokenFile)) {
    const rows = Object.values(tokenUsers).map((u) => `${randomBytes(24).toString("hex")},${u.user},${u.user},"${u.group}"`);
    await writeFile(statePaths.tokenFile, `${rows.join("\n")}\n`, { mode: 0o600 });
  }
  const tokens = await readTokens();
  const ca = await readFile(join(statePaths.pki, "ca.crt"), "utf8");
  for (const u of Object.values(tokenUsers)) {
    await writeFile(u.kubeconfig, renderTokenKubeconfig(u.user, tokens.get(u.user)!, ca), { mode: 0o600 });
  }
  await chmod(stateDir, 0o700);
}

/** user -> token, from the API server's token file. */
export async function readTokens(): Promise<Map<string, string>> {
  const text = await readFile(statePaths.tokenFile, "utf8");
  return new Map(
    text
      .split("\n")
      .filter(Boolean)
      .map((row) => row.split(","))
      .map(([token, user]) => [user!, token!]),
  );
}

export const superAdminKubeconfig = join(stateDir, "super-admin.conf");
