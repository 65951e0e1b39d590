// The run directory (`.artifacts/runs/<runId>/`), the contract between the engine that writes it and
// the reports that read it: the timeline (appended as it happens), the scenario as run, the plan,
// Prometheus range data, container logs for the run window, topology snapshots and versions — and the
// `.tar.gz` bundle of it all, written only after a scan finds no secret in it.

import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { execa } from "execa";
import * as tar from "tar";
import { paths, shardScopeHeader } from "../contract/meshkit.ts";
import { labelKeys } from "../components/model/environment.ts";
import type { PrometheusClient, RangeSeries } from "./prometheus.ts";
import type { Threshold } from "./scenario/model.ts";
import { kubectl, listPods, placementOf, type Placement, type PodSummary } from "./members.ts";
import { timelineEvent, type TimelineEvent } from "./timeline.ts";

type KubePlacement = Extract<Placement, { platform: "kubernetes" }>;

export const defaultRunsDir = new URL("../.artifacts/runs", import.meta.url).pathname;

/** Distributes Omit over the timeline union, so each event is written without its `at`. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type NewEvent = DistributiveOmit<TimelineEvent, "at"> & { at?: string };

export interface MetricRange {
  readonly name: string;
  readonly query: string;
  readonly start: number;
  readonly end: number;
  readonly stepSeconds: number;
  readonly threshold?: Threshold;
  readonly abort?: Threshold;
  readonly series: readonly RangeSeries[];
}

/** Key mesh series captured for every run, whatever its probes: `metrics/mesh-<name>.json`. */
export const meshSeries: readonly { readonly name: string; readonly query: string }[] = [
  { name: "members-alive", query: 'sum by (node) (mesh_gossip_members_peers{job="meshkit-node",mesh_status="alive"})' },
  { name: "leaders", query: 'sum by (mesh_scope) (mesh_leadership_is_leader{job="meshkit-node"})' },
  { name: "leader-term", query: 'max by (mesh_scope) (mesh_leadership_term{job="meshkit-node"})' },
  {
    name: "error-rate",
    query:
      '(sum(rate(omnirelay_http_requests_completed_total{job="meshkit-node",outcome!="success"}[5s])) or vector(0)) / sum(rate(omnirelay_http_requests_completed_total{job="meshkit-node"}[5s]))',
  },
  { name: "faults-active", query: 'sum(meshkit_chaos_agent_faults_active{job="meshkit-agent"})' },
];

export class SecretInBundleError extends Error {
  override name = "SecretInBundleError";
}

export class RunDirectory {
  readonly runId: string;
  readonly dir: string;
  readonly bundlePath: string;
  readonly #onEvent: (event: TimelineEvent) => void;

  constructor(runsDir: string, runId: string, onEvent: (event: TimelineEvent) => void = () => {}) {
    this.runId = runId;
    this.dir = join(runsDir, runId);
    this.bundlePath = join(runsDir, `${runId}.tar.gz`);
    this.#onEvent = onEvent;
    for (const sub of ["metrics", "logs", "topology", "reports"]) mkdirSync(join(this.dir, sub), { recursive: true });
  }

  /** Appends one event, validated against the timeline schema (a malformed event is a runner bug). */
  event(event: NewEvent): TimelineEvent {
    const parsed = timelineEvent.parse({ ...event, at: event.at ?? new Date().toISOString() });
    appendFileSync(join(this.dir, "timeline.jsonl"), `${JSON.stringify(parsed)}\n`);
    this.#onEvent(parsed);
    return parsed;
  }

  writeJson(path: string, value: unknown): void {
    this.writeText(path, `${JSON.stringify(value, null, 2)}\n`);
  }

  writeText(path: string, text: string): void {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    writeFileSync(join(this.dir, path), text);
  }

  /** Range data of each query over the run window, one file each; a query Prometheus refuses is noted in its file. */
  async captureMetrics(
    prom: PrometheusClient,
    items: readonly { file: string; name: string; query: string; threshold?: Threshold; abort?: Threshold }[],
    startSec: number,
    endSec: number,
  ): Promise<void> {
    const stepSeconds = Math.max(1, Math.ceil((endSec - startSec) / 10_000));
    await Promise.all(
      items.map(async (item) => {
        let series: readonly RangeSeries[] = [];
        let error: string | undefined;
        try {
          series = await prom.range(item.query, startSec, endSec, stepSeconds);
        } catch (e) {
          error = (e as Error).message;
        }
        const range: MetricRange & { error?: string } = {
          name: item.name,
          query: item.query,
          start: startSec,
          end: endSec,
          stepSeconds,
          ...(item.threshold ? { threshold: item.threshold } : {}),
          ...(item.abort ? { abort: item.abort } : {}),
          series,
          ...(error ? { error } : {}),
        };
        this.writeJson(`metrics/${item.file}.json`, range);
      }),
    );
  }

  /**
   * Logs of every node, registry and agent container of the environment for the run window: Docker
   * containers (`logs/<container>.log`), or on Kubernetes each container of the stack's pods
   * (`logs/<pod>-<container>.log`; kubectl has no `--until`, so later lines are cut here).
   */
  async captureLogs(envStack: string, since: Date, until: Date): Promise<string[]> {
    const place = placementOf(envStack);
    if (place.platform === "kubernetes") return this.#capturePodLogs(place, since, until);
    const ps = await execa("docker", ["ps", "-a", "--format", "{{.Names}}\t{{.Label \"" + labelKeys.role + "\"}}", "--filter", `label=${labelKeys.stack}=${envStack}`], { reject: false });
    const names = ps.stdout
      .split("\n")
      .map((l) => l.split("\t"))
      .filter(([name, role]) => name && ["node", "registry", "agent"].includes(role ?? ""))
      .map(([name]) => name!);
    await Promise.all(
      names.map(async (name) => {
        const r = await execa("docker", ["logs", "--timestamps", "--since", since.toISOString(), "--until", until.toISOString(), name], { reject: false, all: true, maxBuffer: 64 * 1024 * 1024 });
        this.writeText(`logs/${name}.log`, r.exitCode === 0 ? `${r.all ?? ""}\n` : `docker logs failed (${r.exitCode}): ${r.all ?? ""}\n`);
      }),
    );
    return names.sort();
  }

  async #capturePodLogs(place: KubePlacement, since: Date, until: Date): Promise<string[]> {
    let pods: PodSummary[];
    try {
      pods = await listPods(place, `${labelKeys.stack}=${place.stack},${labelKeys.role} in (node,registry)`);
    } catch (error) {
      this.writeText("logs/kubectl-failed.log", `${(error as Error).message}\n`);
      return [];
    }
    const names: string[] = [];
    for (const pod of pods) {
      for (const c of pod.containers) {
        const name = `${pod.name}-${c.name}`;
        names.push(name);
        const r = await kubectl(place, ["logs", pod.name, "-c", c.name, "--timestamps", `--since-time=${since.toISOString()}`]);
        const lines = (r.stdout ?? "").split("\n").filter((l) => {
          const at = Date.parse(l.slice(0, l.indexOf(" ")));
          return l !== "" && (Number.isNaN(at) || at <= until.getTime());
        });
        this.writeText(`logs/${name}.log`, r.exitCode === 0 ? `${lines.join("\n")}\n` : `kubectl logs -n ${place.namespace} ${pod.name} -c ${c.name} failed (${r.exitCode}): ${r.all ?? ""}\n`);
      }
    }
    return names.sort();
  }

  /** `/control/peers`, `/control/leaders` and `/control/shards` of every node: `topology/<nn>-<before|after>-<step>.json`. */
  async snapshotTopology(nodes: readonly { name: string; controlUrl: string }[], index: number, when: "before" | "after", step: string): Promise<void> {
    const get = async (url: string): Promise<unknown> => {
      try {
        const res = await fetch(url, { headers: { [shardScopeHeader]: "mesh.read" }, signal: AbortSignal.timeout(2_000) });
        const text = await res.text();
        try {
          return res.ok ? JSON.parse(text) : { error: `HTTP ${res.status}`, body: text.slice(0, 500) };
        } catch {
          return { error: "not JSON", body: text.slice(0, 500) };
        }
      } catch (error) {
        return { error: (error as Error).message };
      }
    };
    const snapshot = Object.fromEntries(
      await Promise.all(
        nodes.map(async (n) => [n.name, { peers: await get(`${n.controlUrl}${paths.peers}`), leaders: await get(`${n.controlUrl}${paths.leaders}`), shards: await get(`${n.controlUrl}${paths.shards}`) }] as const),
      ),
    );
    const slug = step.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "step";
    this.writeJson(`topology/${String(index).padStart(2, "0")}-${when}-${slug}.json`, { at: new Date().toISOString(), step: index, when, nodes: snapshot });
  }

  /** Image tags of the environment's containers and the versions of the tools that ran the run. */
  async recordVersions(envStack: string, prom: PrometheusClient): Promise<void> {
    const tool = async (cmd: string, args: string[]) => {
      const r = await execa(cmd, args, { reject: false });
      return r.exitCode === 0 ? r.stdout.trim().split("\n")[0] : null;
    };
    const place = placementOf(envStack);
    const { images, ids } = place.platform === "docker" ? await dockerImages(envStack) : await podImages(place);
    let prometheus: unknown = null;
    try {
      const res = await fetch(`${prom.url}/api/v1/status/buildinfo`, { signal: AbortSignal.timeout(2_000) });
      prometheus = ((await res.json()) as { data?: { version?: string } }).data?.version ?? null;
    } catch {
      prometheus = null;
    }
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string; dependencies: Record<string, string> };
    this.writeJson("versions.json", {
      meshkitChaos: pkg.version,
      node: process.version,
      pulumi: await tool("pulumi", ["version"]),
      pulumiSdk: pkg.dependencies["@pulumi/pulumi"],
      docker: place.platform === "docker" ? await tool("docker", ["version", "--format", "{{.Server.Version}}"]) : null,
      ...(place.platform === "kubernetes" ? { kubernetes: { namespace: place.namespace, ...(await clusterVersions(place)) } } : {}),
      prometheus,
      containers: images,
      images: ids,
    });
  }

  /**
   * Writes `<runId>.tar.gz` next to the directory after scanning every file for the secrets (the agent
   * token) and for private keys; a hit fails loudly, names the file, and no bundle is written.
   */
  async bundle(secrets: readonly string[]): Promise<string> {
    const hits = scanForSecrets(this.dir, secrets);
    if (hits.length > 0) {
      throw new SecretInBundleError(`refusing to write the artifact bundle: a secret is in ${hits.join(", ")} (under ${this.dir}); remove it before sharing the run directory`);
    }
    await tar.create({ gzip: true, file: this.bundlePath, cwd: dirname(this.dir), portable: true }, [basename(this.dir)]);
    return this.bundlePath;
  }
}

/** Image tags of the environment's containers by container name, and each image's id and tags. */
async function dockerImages(envStack: string): Promise<{ images: Record<string, string>; ids: Record<string, string> }> {
  const ps = await execa("docker", ["ps", "-a", "--format", "{{.Names}}\t{{.Image}}", "--filter", `label=${labelKeys.stack}=${envStack}`], { reject: false });
  const images = Object.fromEntries(ps.stdout.split("\n").filter(Boolean).map((l) => l.split("\t") as [string, string]));
  const ids = Object.fromEntries(
    await Promise.all(
      [...new Set(Object.values(images))].map(async (image) => [image, (await execa("docker", ["image", "inspect", "--format", "{{.Id}} {{join .RepoTags \",\"}}", image], { reject: false })).stdout.trim()] as const),
    ),
  );
  return { images, ids };
}

/** The same for the stack's pods: `<pod>/<container>` → image, and the image id the kubelet ran. */
async function podImages(place: KubePlacement): Promise<{ images: Record<string, string>; ids: Record<string, string> }> {
  const pods = await listPods(place, `${labelKeys.stack}=${place.stack}`).catch(() => []);
  const images: Record<string, string> = {};
  const ids: Record<string, string> = {};
  for (const pod of pods) {
    for (const c of pod.containers) {
      images[`${pod.name}/${c.name}`] = c.image;
      if (c.imageID) ids[c.image] = c.imageID;
    }
  }
  return { images, ids };
}

/** kubectl's and the API server's versions. */
async function clusterVersions(place: KubePlacement): Promise<{ client: string | null; server: string | null }> {
  const r = await kubectl(place, ["version", "-o", "json"]);
  try {
    const v = JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string }; serverVersion?: { gitVersion?: string } };
    return { client: v.clientVersion?.gitVersion ?? null, server: v.serverVersion?.gitVersion ?? null };
  } catch {
    return { client: null, server: null };
  }
}

/** Files under `dir` holding one of the secrets or a PEM private key (what they hold is not repeated). */
export function scanForSecrets(dir: string, secrets: readonly string[]): string[] {
  const needles = [...secrets.filter((s) => s.length >= 8), "PRIVATE KEY"];
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const text = readFileSync(path, "latin1");
        const found = needles.filter((n) => text.includes(n));
        if (found.length > 0) hits.push(`${relative(dir, path)} (${found.map((n) => (n === "PRIVATE KEY" ? "a private key" : "the agent token")).join(", ")})`);
      }
    }
  };
  walk(dir);
  return hits;
}
