// Kubernetes objects that carry the stack's labels: `env purge` of a kube stack removes its namespaces
// (and with them everything in them), like Docker's purge removes containers, networks and volumes.
import { projectName, type KubernetesSettings } from "../components/config.ts";
import { labelKeys } from "../components/model/environment.ts";
import { kubectl } from "../kube/kubectl.ts";

export interface ClusterObject {
  readonly kind: "namespace";
  readonly id: string;
  readonly name: string;
}

const selector = (stack: string) => `${labelKeys.project}=${projectName},${labelKeys.stack}=${stack}`;
const target = (cluster: KubernetesSettings) => ({
  args: cluster.context ? ["--context", cluster.context] : [],
  options: cluster.kubeconfig ? { kubeconfig: cluster.kubeconfig } : {},
});

/** Namespaces labelled with this project and stack; throws with kubectl's words when the cluster does not answer. */
export async function labelledNamespaces(stack: string, cluster: KubernetesSettings): Promise<ClusterObject[]> {
  const { args, options } = target(cluster);
  const listed = await kubectl([...args, "get", "namespaces", "-l", selector(stack), "-o", "name"], options);
  if (!listed.ok) throw new Error(`the cluster of stack ${stack} does not answer: ${listed.all.trim().split("\n").at(-1)}`);
  return listed.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => line.replace(/^namespace\//, ""))
    .map((name) => ({ kind: "namespace", id: name, name }));
}

/** Deletes the namespaces and waits until they are gone (their pods stopped). */
export async function removeNamespaces(objects: readonly ClusterObject[], cluster: KubernetesSettings): Promise<void> {
  if (objects.length === 0) return;
  const { args, options } = target(cluster);
  const names = objects.map((o) => o.name);
  const deleted = await kubectl([...args, "delete", "namespace", ...names, "--wait=true", "--timeout=180s"], { ...options, timeoutMs: 200_000 });
  if (!deleted.ok) throw new Error(`deleting namespace(s) ${names.join(", ")} failed: ${deleted.all.trim()}`);
}
