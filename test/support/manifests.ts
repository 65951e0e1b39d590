// Kubernetes manifests as the tests see them: parsed from `helm template` output or a render
// directory, normalised (stringData -> data), and compared object by object.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { parse, parseAllDocuments } from "yaml";

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

export const objectKey = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** Every object of a multi-document YAML stream (empty documents skipped). */
export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === "object" && "kind" in o);
}

/** The objects of an `env render` directory, in the order its kustomization.yaml lists them. */
export async function readRenderDirectory(dir: string): Promise<KubeObject[]> {
  const kustomization = parse(await readFile(join(dir, "kustomization.yaml"), "utf8")) as { resources: string[] };
  return Promise.all(kustomization.resources.map(async (f) => parse(await readFile(join(dir, f), "utf8")) as KubeObject));
}

/** An empty list is the same as none to the API server (Pulumi drops them, a template may write `[]`). */
function withoutEmptyLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyLists);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
        .map(([k, v]) => [k, withoutEmptyLists(v)]),
    );
  }
  return value;
}

/**
 * What both sides may write differently for the same object: a Secret's stringData is compared as
 * data (base64, as the API server stores it), and empty lists as absent.
 */
export function normalise(object: KubeObject): KubeObject {
  const o = withoutEmptyLists(object) as KubeObject;
  if (o.kind !== "Secret" || !("stringData" in o)) return o;
  const { stringData, ...rest } = o as KubeObject & { stringData: Record<string, string>; data?: Record<string, string> };
  const data = { ...(rest.data ?? {}) };
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString("base64");
  return { ...rest, data } as KubeObject;
}

/**
 * Values that are random per run on both sides and so cannot be equal: the PEM data of the run
 * certificates (CA, leaves, keys) and the agent token. Listed by (kind, field path); a path ending
 * in `*` covers every key below it (the keys must still be the same).
 */
export const perRunValues: readonly { kind: string; path: string }[] = [
  { kind: "Secret", path: "data.*" },
];

const covered = (kind: string, path: string): boolean =>
  perRunValues.some((p) => p.kind === kind && (p.path.endsWith("*") ? path.startsWith(p.path.slice(0, -1)) : p.path === path));

/** Differences between two objects of the same key, as `path: left != right` lines. */
export function objectDifferences(left: unknown, right: unknown, kind: string, path = ""): string[] {
  // A per-run value must exist on both sides; only its content may differ.
  if (path !== "" && covered(kind, path)) return (left === undefined) === (right === undefined) ? [] : [`${path}: only on one side`];
  if (Array.isArray(left) && Array.isArray(right)) {
    if (left.length !== right.length) return [`${path}: ${left.length} items != ${right.length} items`];
    return left.flatMap((l, i) => objectDifferences(l, right[i], kind, `${path}[${i}]`));
  }
  if (left && right && typeof left === "object" && typeof right === "object" && !Array.isArray(left) && !Array.isArray(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.flatMap((k) =>
      objectDifferences((left as Record<string, unknown>)[k], (right as Record<string, unknown>)[k], kind, path ? `${path}.${k}` : k),
    );
  }
  // YAML numbers and strings of the same value (a port written as "8080") are not the same to the API.
  return left === right ? [] : [`${path}: ${JSON.stringify(left)} != ${JSON.stringify(right)}`];
}

export interface ManifestComparison {
  readonly onlyLeft: string[];
  readonly onlyRight: string[];
  /** Per object key, its differing fields (per-run values excluded). */
  readonly differing: Record<string, string[]>;
}

export function compareManifests(left: readonly KubeObject[], right: readonly KubeObject[]): ManifestComparison {
  const l = new Map(left.map((o) => [objectKey(o), normalise(o)]));
  const r = new Map(right.map((o) => [objectKey(o), normalise(o)]));
  const differing: Record<string, string[]> = {};
  for (const [key, lo] of l) {
    const ro = r.get(key);
    if (!ro) continue;
    const diffs = objectDifferences(lo, ro, lo.kind);
    if (diffs.length > 0) differing[key] = diffs;
  }
  return {
    onlyLeft: [...l.keys()].filter((k) => !r.has(k)).sort(),
    onlyRight: [...r.keys()].filter((k) => !l.has(k)).sort(),
    differing,
  };
}

export const chartDir = new URL("../../charts/meshkit-chaos", import.meta.url).pathname;

/** The helm binary of the Kubernetes toolchain (or one on PATH); a clear error when there is none. */
export async function helmBinary(): Promise<string> {
  const bin = (await execa("bash", [new URL("../../scripts/kubetools/build", import.meta.url).pathname, "--print-bin"])).stdout.trim();
  for (const helm of [join(bin, "helm"), "helm"]) {
    const version = await execa(helm, ["version", "--short"], { reject: false });
    if (version.exitCode === 0) return helm;
  }
  throw new Error(`no helm at ${join(bin, "helm")} nor on PATH: run scripts/kubetools/build (the bootstrap does) before these tests`);
}

/** `helm template` of the chart with `--set` values (and `--set-file` for texts such as PEM); the parsed objects. */
export async function helmTemplate(
  helm: string,
  sets: Readonly<Record<string, string | number | boolean>>,
  release = "mkc",
  texts: Readonly<Record<string, string>> = {},
): Promise<KubeObject[]> {
  const dir = await mkdtemp(join(tmpdir(), "mkc-helm-values-"));
  const fileArgs: string[] = [];
  for (const [i, [key, text]] of Object.entries(texts).entries()) {
    await writeFile(join(dir, String(i)), text);
    fileArgs.push("--set-file", `${key}=${join(dir, String(i))}`);
  }
  // The chart needs StatefulSet ordinals (Kubernetes >= 1.27); offline, helm assumes an older cluster.
  const args = ["template", release, chartDir, "--kube-version", "1.34.4", ...Object.entries(sets).flatMap(([k, v]) => ["--set", `${k}=${v}`]), ...fileArgs];
  const out = await execa(helm, args, { reject: false }).finally(() => rm(dir, { recursive: true, force: true }));
  if (out.exitCode !== 0) throw new Error(`helm ${args.join(" ")} failed (exit ${out.exitCode}):\n${out.stderr}`);
  return parseManifests(out.stdout);
}

/**
 * The objects the Pulumi program creates for these settings, from the platform's pure builders
 * (components/platforms/kubernetes/objects.ts, called as components/chaos-environment.ts does) with
 * fixed stand-ins for the certificates and the token.
 */
export async function programObjects(stack: string, raw: Record<string, unknown>): Promise<KubeObject[]> {
  const { parseSettings } = await import("../../components/config.ts");
  const { buildEnvironmentModel } = await import("../../components/model/build.ts");
  const { environmentObservabilityFiles, observabilityInput } = await import("../../components/model/observability.ts");
  const { parseObservabilityInput } = await import("../../components/observability/index.ts");
  const { kubernetesObjects } = await import("../../components/platforms/kubernetes/objects.ts");
  const settings = parseSettings({ ...raw, platform: "kubernetes" }, "test settings");
  const files = environmentObservabilityFiles(stack, settings);
  const model = buildEnvironmentModel<string>({
    stack,
    settings,
    certificates: (holder) => ({ certPem: `cert of ${holder}`, keyPem: `key of ${holder}`, caPem: "ca" }),
    agentToken: "token",
    prometheusFiles: files.prometheus,
    grafanaFiles: files.grafana,
  });
  const objects = kubernetesObjects({ model, settings, observability: parseObservabilityInput(observabilityInput(stack, settings)) });
  // Through JSON: plain data, as YAML would carry it.
  return JSON.parse(JSON.stringify(objects)) as KubeObject[];
}
