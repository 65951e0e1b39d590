// `env render --platform kubernetes`: settings, the render provider transform, the output directory's
// safety and the CLI's refusals (no engine runs here; the real render is in test/e2e/render-helm.test.ts).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SettingsError } from "../../../components/config.ts";
import { renderingProviders, renderMarkerName, renderSettings } from "../../../components/render/kubernetes.ts";
import { clearMarkedDirectory, OutputDirectoryError, writeMarker } from "../../../components/render/marked-directory.ts";
import { meshkitChaos, repoRoot } from "../../support/cli.ts";

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "mkc-render-test-"));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("render settings", () => {
  it("are the stack's settings on the kubernetes platform, with the flags applied", async () => {
    // A project of its own: the committed stack files change with every `env up`.
    const projectRoot = await tempDir();
    await mkdir(join(projectRoot, "stacks"));
    await writeFile(
      join(projectRoot, "stacks", "Pulumi.team.yaml"),
      [
        "config:",
        '  meshkit-chaos:nodes: "4"',
        '  meshkit-chaos:hostPortBase: "35000"',
        "  meshkit-chaos:kubernetes: '{\"namespace\":\"mkc-team\",\"simulated\":true}'",
        "  aws:region: ignored-by-us",
        "",
      ].join("\n"),
    );
    const team = await renderSettings({ stack: "team", projectRoot });
    expect(team).toMatchObject({ platform: "kubernetes", nodes: 4, hostPortBase: 35000, kubernetes: { namespace: "mkc-team", simulated: true, hostAccess: "nodePort" } });
    const flagged = await renderSettings({
      stack: "team",
      projectRoot,
      nodes: 5,
      namespace: "team-a",
      sets: ["kubernetes.prometheusOperator=true", "grafana.enabled=true", "images.node=meshkit-chaos/node:x", "scrapeIntervalSeconds=2"],
    });
    expect(flagged).toMatchObject({
      nodes: 5,
      scrapeIntervalSeconds: 2,
      grafana: { enabled: true },
      images: { node: "meshkit-chaos/node:x" },
      // --namespace replaces the stack's namespace and keeps its other kubernetes settings.
      kubernetes: { namespace: "team-a", prometheusOperator: true, simulated: true },
    });
    // A stack without a settings file: the defaults (the platform names the namespace mkc-<stack>).
    expect(await renderSettings({ stack: "nofile", projectRoot })).toMatchObject({ platform: "kubernetes", nodes: 3, hostPortBase: 30000 });
  });

  it("refuse unknown keys, bad values and a --set without '=' with the setting named", async () => {
    await expect(renderSettings({ stack: "kube", projectRoot: repoRoot, sets: ["nosuch=1"] })).rejects.toThrow(/nosuch.*is no setting/);
    await expect(renderSettings({ stack: "kube", projectRoot: repoRoot, sets: ["nodes"] })).rejects.toThrow(SettingsError);
    await expect(renderSettings({ stack: "kube", projectRoot: repoRoot, namespace: "Bad_NS" })).rejects.toThrow(/kubernetes\.namespace/);
    await expect(renderSettings({ stack: "kube", projectRoot: repoRoot, nodes: 201 })).rejects.toThrow(/at most 200 nodes/);
  });
});

describe("render provider", () => {
  it("turns every Kubernetes provider into one writing YAML, without a cluster", () => {
    const transform = renderingProviders("/tmp/out");
    const result = transform({
      custom: true,
      type: "pulumi:providers:kubernetes",
      name: "k8s",
      props: { kubeconfig: "/home/u/.kube/config", context: "prod", cluster: "c", enableServerSideApply: true },
      opts: {},
    });
    expect(result).toEqual({ props: { renderYamlToDirectory: "/tmp/out", enableServerSideApply: true }, opts: {} });
    expect(transform({ custom: true, type: "kubernetes:core/v1:Namespace", name: "ns", props: {}, opts: {} })).toBeUndefined();
  });
});

describe("render output directory", () => {
  it("replaces an earlier render's files only, and keeps a user's file", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "manifests"));
    await writeFile(join(dir, "manifests", "0-namespace-x.yaml"), "old");
    await writeFile(join(dir, "kustomization.yaml"), "old");
    await writeFile(join(dir, "notes.txt"), "mine");
    await writeMarker(dir, renderMarkerName, { tool: "meshkit-chaos env render", stack: "kube", files: ["manifests/0-namespace-x.yaml", "kustomization.yaml"] });
    await clearMarkedDirectory(dir, renderMarkerName, "meshkit-chaos env render");
    expect((await readdir(dir)).sort()).toEqual(["notes.txt"]);
  });

  it("refuses a non-empty directory that is no render (nor a compose export), removing nothing", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "precious.yaml"), "keep");
    await expect(clearMarkedDirectory(dir, renderMarkerName, "meshkit-chaos env render")).rejects.toThrow(OutputDirectoryError);
    await writeMarker(dir, renderMarkerName, { tool: "meshkit-chaos compose-export", stack: "kube", files: ["precious.yaml"] });
    await expect(clearMarkedDirectory(dir, renderMarkerName, "meshkit-chaos env render")).rejects.toThrow(/no earlier output of meshkit-chaos env render/);
    expect(await readFile(join(dir, "precious.yaml"), "utf8")).toBe("keep");
  });

  it("never follows a marker out of the directory", async () => {
    const dir = await tempDir();
    const outside = await tempDir();
    await writeFile(join(outside, "victim"), "keep");
    await writeMarker(dir, renderMarkerName, { tool: "meshkit-chaos env render", stack: "kube", files: [join("..", outside.split("/").at(-1)!, "victim")] });
    await expect(clearMarkedDirectory(dir, renderMarkerName, "meshkit-chaos env render")).rejects.toThrow(/outside/);
    expect(await readFile(join(outside, "victim"), "utf8")).toBe("keep");
  });
});

describe("env render CLI", () => {
  it("answers bad input with exit 2 and a message naming it, writing nothing", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "precious.yaml"), "keep");
    const fresh = join(await tempDir(), "new");
    for (const [args, said] of [
      [["--platform", "docker", "--out", fresh], "compose-export"],
      [["--platform", "kubernetes", "--out", fresh, "--namespace", "Bad_NS"], "kubernetes.namespace"],
      [["--platform", "kubernetes", "--out", fresh, "--set", "nosuch=1"], "nosuch"],
      [["--platform", "kubernetes", "--out", fresh, "--nodes", "0"], "--nodes"],
      [["--platform", "kubernetes", "--out", dir], "no earlier output"],
      [["--platform", "kubernetes"], "--out"],
    ] as const) {
      const run = await meshkitChaos(["env", "render", ...args]);
      expect(run.exitCode, run.all).toBe(2);
      expect(run.all).toContain(said);
    }
    expect(await readdir(dir)).toEqual(["precious.yaml"]);
    await expect(readdir(fresh)).rejects.toThrow(/ENOENT/);
  });
});
