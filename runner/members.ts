// Where an environment's members (nodes, their agent sidecars, the registry) run and how the runner
// reaches their containers: Docker containers named `mkc-<stack>-<member>` on the docker platform,
// pods `<member>` with containers `node` and `agent` in the stack's namespace on Kubernetes, read
// with kubectl through the stack's kubeconfig. Ownership checks, run logs and versions go through here,
// so none of them looks at Docker when the environment is in a cluster.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { parse as parseYaml } from "yaml";
import { environmentSettings, kubernetesSettings, projectName } from "../components/config.ts";
import { agentName } from "../components/model/build.ts";
import { nodeContainer } from "../faults/chaos-mesh.ts";
import { configValue } from "../components/stack-settings.ts";
import { localKubeconfig } from "../kube/paths.ts";

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

export type Placement =
  | { readonly platform: "docker"; readonly stack: string }
  | {
      readonly platform: "kubernetes";
      readonly stack: string;
      readonly namespace: string;
      readonly kubeconfig: string;
      readonly context?: string;
    };

/** The container of a node pod that runs the fault agent (the node runs in `node`). */
export const agentContainer = "agent";
export type MemberContainer = "node" | "agent";

/**
 * Where the stack's environment runs, from its settings file (`stacks/Pulumi.<stack>.yaml`): platform,
 * kubeconfig (the local cluster's by default), context and namespace (`mkc-<stack>` by default).
 * `outputs` — the environment's own outputs, when they say — win for platform and namespace: they are
 * where it was actually brought up.
 */
export function placementOf(stack: string, outputs?: object): Placement {
  const said = (outputs ?? {}) as { platform?: unknown; namespace?: unknown };
  const file = join(projectRoot, "stacks", `Pulumi.${stack}.yaml`);
  const config = existsSync(file) ? ((parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {}) : {};
  const platform = environmentSettings.shape.platform.parse(said.platform ?? configValue(config[`${projectName}:platform`]));
  if (platform === "docker") return { platform, stack };
  const settings = kubernetesSettings.parse(configValue(config[`${projectName}:kubernetes`]) ?? {});
  const namespace = typeof said.namespace === "string" ? said.namespace : (settings.namespace ?? `mkc-${stack}`);
  return {
    platform,
    stack,
    namespace,
    kubeconfig: settings.kubeconfig ?? localKubeconfig,
    ...(settings.context ? { context: settings.context } : {}),
  };
}

type KubePlacement = Extract<Placement, { platform: "kubernetes" }>;

/** kubectl against the placement's cluster and namespace; never throws on a non-zero exit. */
export async function kubectl(p: KubePlacement, args: readonly string[], options: { timeoutMs?: number; maxBuffer?: number } = {}) {
  return execa("kubectl", ["--kubeconfig", p.kubeconfig, ...(p.context ? ["--context", p.context] : []), "-n", p.namespace, ...args], {
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
    all: true,
  });
}

/** A member's container as the platform names it: Docker container name, or `pod/container`. */
export const containerRef = (p: Placement, member: string, container: MemberContainer): string =>
  p.platform === "docker" ? `mkc-${p.stack}-${container === "node" ? member : agentName(member)}` : `${member}/${container === "node" ? nodeContainer : agentContainer}`;

/** Runs a command in a member's node or agent container (`docker exec` or `kubectl exec`). */
export async function execInMember(
  p: Placement,
  member: string,
  container: MemberContainer,
  command: readonly string[],
  timeoutMs = 20_000,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r =
    p.platform === "docker"
      ? await execa("docker", ["exec", containerRef(p, member, container), ...command], { reject: false, timeout: timeoutMs })
      : await execa(
          "kubectl",
          ["--kubeconfig", p.kubeconfig, ...(p.context ? ["--context", p.context] : []), "-n", p.namespace, "exec", member, "-c", container === "node" ? nodeContainer : agentContainer, "--", ...command],
          { reject: false, timeout: timeoutMs },
        );
  return { ok: r.exitCode === 0, stdout: r.stdout, stderr: r.stderr };
}

export interface PodSummary {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: readonly { readonly name: string; readonly image: string; readonly imageID: string | null }[];
  readonly nodeName: string | null;
  readonly phase: string | null;
}

/** Pods of the namespace matching a label selector (`kubectl get pods -l`). */
export async function listPods(p: KubePlacement, selector: string): Promise<PodSummary[]> {
  const r = await kubectl(p, ["get", "pods", "-l", selector, "-o", "json"]);
  if (r.exitCode !== 0) throw new Error(`kubectl get pods -n ${p.namespace} -l ${selector} failed: ${(r.all ?? "").split("\n")[0]}`);
  return podsOf(JSON.parse(r.stdout));
}

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string; containers: { name: string; image: string }[] };
  status?: { phase?: string; containerStatuses?: { name: string; imageID?: string }[] };
}

function podsOf(list: unknown): PodSummary[] {
  return ((list as { items?: PodJson[] }).items ?? []).map((pod) => ({
    name: pod.metadata.name,
    labels: pod.metadata.labels ?? {},
    nodeName: pod.spec.nodeName ?? null,
    phase: pod.status?.phase ?? null,
    containers: pod.spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: pod.status?.containerStatuses?.find((s) => s.name === c.name)?.imageID || null,
    })),
  }));
}

/** Named pods (absent ones are left out, not an error). */
export async function getPods(p: KubePlacement, names: readonly string[]): Promise<PodSummary[]> {
  if (names.length === 0) return [];
  const r = await kubectl(p, ["get", "pods", ...names, "--ignore-not-found", "-o", "json"]);
  if (r.exitCode !== 0) throw new Error(`kubectl get pods -n ${p.namespace} failed: ${(r.all ?? "").split("\n")[0]}`);
  const text = r.stdout.trim();
  if (text === "") return [];
  const parsed = JSON.parse(text) as { kind?: string };
  return podsOf(parsed.kind === "List" ? parsed : { items: [parsed] });
}

/** Fault kinds a platform cannot run through the run stack, and why (checked before anything is applied). */
const unsupported: Record<Placement["platform"], Readonly<Record<string, string>>> = {
  docker: {},
  kubernetes: {
    "membership-surge":
      "its joiners are Docker containers made from the environment's join kit; the run stack declares no joiner pods on Kubernetes, so it is refused there instead of starting containers outside the cluster",
  },
};

/** One line per planned fault kind the placement's platform cannot run; empty when all can. */
export function platformRefusals(p: Placement, kinds: readonly string[]): string[] {
  return [...new Set(kinds)].flatMap((kind) => {
    const why = unsupported[p.platform][kind];
    return why ? [`${kind} does not run on ${p.platform} (stack ${p.stack}): ${why}`] : [];
  });
}
