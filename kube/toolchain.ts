// Where the cluster's binaries are: on PATH once scripts/env.sh has the Kubernetes toolchain, else in the
// toolchain's bin directory (scripts/kubetools/build --print-bin). containerd, ctr and the CNI plugins are Debian's.
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execaSync } from "execa";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const kubeBinaries = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kube-proxy",
  "kubectl",
  "kubeadm",
  "coredns",
  "kwok",
] as const;
export type KubeBinary = (typeof kubeBinaries)[number] | "containerd" | "ctr";

let toolchainBin: string | undefined;
function kubetoolsBin(): string {
  toolchainBin ??= execaSync("bash", [join(repoRoot, "scripts", "kubetools", "build"), "--print-bin"]).stdout.trim();
  return toolchainBin;
}

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The absolute path of a binary; throws saying how to get it when it is missing. */
export function binary(name: KubeBinary): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), kubetoolsBin()];
  for (const dir of dirs) if (executable(join(dir, name))) return join(dir, name);
  const how =
    name === "containerd" || name === "ctr"
      ? "install Debian's containerd (`bash scripts/bootstrap` does)"
      : "build the Kubernetes toolchain: `bash scripts/kubetools/build` (≈20 min cold, seconds warm)";
  throw new Error(`${name} is not installed (looked on PATH and in ${kubetoolsBin()}): ${how}`);
}

/** Every binary `kube up` needs (kwok only for simulated nodes), checked before anything starts. */
export function missingBinaries(withKwok: boolean): string[] {
  const missing: string[] = [];
  for (const name of [...kubeBinaries.filter((b) => withKwok || b !== "kwok"), "containerd", "ctr"] as const) {
    try {
      binary(name);
    } catch (error) {
      missing.push((error as Error).message);
    }
  }
  return missing;
}

/** kwok's stage files (node-fast, heartbeat-with-lease, pod-fast): $MESHKIT_KWOK_STAGES or `kwok-stages` beside the bin directory. */
export function kwokStageFiles(): string[] {
  const dir = process.env.MESHKIT_KWOK_STAGES ?? join(dirname(dirname(binary("kwok"))), "kwok-stages");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort() : [];
  // Without a node stage kwok never marks its nodes Ready; without a pod stage pods stay Pending.
  if (!files.some((f) => f.startsWith("node-")) || !files.some((f) => f.startsWith("pod-"))) {
    throw new Error(
      `kwok's stage files are missing in ${dir} (found ${files.length === 0 ? "none" : files.join(", ")}; need node-* and pod-* Stage files ` +
        "from kwok's kustomize/stage/{node/fast,node/heartbeat-with-lease,pod/fast}): rebuild the Kubernetes toolchain (bash scripts/kubetools/build) or set MESHKIT_KWOK_STAGES",
    );
  }
  return files.map((f) => join(dir, f));
}
