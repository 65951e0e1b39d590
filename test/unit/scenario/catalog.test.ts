// The scenario catalog (scenario list) and the blast-radius policy, as a user and the planner see them:
// every sample lints clean and is listed with its version and definition hash; a bad file is named
// with its problems, not hidden; the policy file parses, and a bad one is refused with a position.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { listCatalog } from "../../../runner/scenario/catalog.ts";
import { loadScenarioFile, parseScenarioText } from "../../../runner/scenario/load.ts";
import { defaultPolicyFile, loadPolicy, parsePolicyText } from "../../../runner/scenario/policy.ts";
import { formatProblem } from "../../../runner/scenario/problems.ts";
import { lastJsonLine, meshkitChaos } from "../../support/cli.ts";

const samples = [
  "certificate-expiry",
  "chained-degradation",
  "kube-crash-recovery",
  "kube-latency-degradation",
  "kube-resource-stress",
  "kube-split-brain",
  "kube-verification-failures",
  "latency-degradation",
  "leader-failover",
  "membership-surge",
  "network-partition-split-brain",
  "packet-loss",
  "transport-downgrade",
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mkc-scenarios-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("scenario catalog", () => {
  it("lists every sample under scenarios/, each linting clean, with version, owner and definition hash", async () => {
    const catalog = await listCatalog();
    expect(catalog.invalid.map((f) => f.problems.map(formatProblem).join("\n"))).toEqual([]);
    expect(catalog.entries.map((e) => e.name)).toEqual(samples);
    for (const e of catalog.entries) {
      expect(e.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(e.owner).not.toBe("");
      expect(e.tags.length).toBeGreaterThan(0);
      expect(e.definitionHash).toMatch(/^[0-9a-f]{64}$/);
      const loaded = await loadScenarioFile(e.file);
      expect(loaded.ok && loaded.scenarios[0]!.definitionHash).toBe(e.definitionHash);
    }
  });

  it("the example in scenarios/README.md lints clean", async () => {
    const readme = await readFile("scenarios/README.md", "utf8");
    const example = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const loaded = parseScenarioText(example!, "scenarios/README.md");
    expect(loaded.ok ? [] : loaded.problems.map(formatProblem)).toEqual([]);
  });

  it("keeps the samples short enough for CI: at most 90 s of fault time each, fault steps chained in one", async () => {
    for (const e of (await listCatalog()).entries) {
      const loaded = await loadScenarioFile(e.file);
      if (!loaded.ok) throw new Error(e.file);
      const s = loaded.scenarios[0]!.scenario;
      const seconds = (d: string): number => Number(/^(\d+)s$/.exec(d)?.[1] ?? Number.NaN);
      const faultTime = s.steps.reduce((sum, step) => {
        if ("fault" in step) return sum + seconds(step.duration);
        if ("parallel" in step) return sum + Math.max(...step.parallel.map((f) => seconds(f.duration)));
        return sum;
      }, 0);
      expect(faultTime, e.name).toBeLessThanOrEqual(90);
      expect(s.slos.length, `${e.name} has convergence SLOs`).toBeGreaterThan(0);
      expect(s.steadyState.probes.some((p) => p.abort), `${e.name} has an abort threshold`).toBe(true);
    }
    const chained = (await listCatalog()).entries.find((e) => e.name === "chained-degradation")!;
    const loaded = await loadScenarioFile(chained.file);
    const steps = loaded.ok ? loaded.scenarios[0]!.scenario.steps : [];
    expect(steps.some((s) => "parallel" in s)).toBe(true);
    expect(steps.filter((s) => "fault" in s).length).toBeGreaterThanOrEqual(2);
  });

  it("lists a directory given, list files by index, and names a file that does not lint instead of hiding it", async () => {
    const sample = await readFile("scenarios/packet-loss.yaml", "utf8");
    const body = sample.split("\n").filter((l) => !l.startsWith("#") && l !== "");
    const item = (name: string) => body.map((l, i) => (i === 0 ? "- " : "  ") + l.replace("name: packet-loss", `name: ${name}`)).join("\n");
    await writeFile(join(dir, "pair.yaml"), `${item("loss-a")}\n${item("loss-b")}\n`);
    await writeFile(join(dir, "broken.yml"), sample.replace("loss: 10", "loss: 250"));
    await writeFile(join(dir, "policy.yaml"), "maxTargets: 1\n");
    await writeFile(join(dir, "zz-same-name.yaml"), sample.replace("name: packet-loss", "name: loss-a"));
    const catalog = await listCatalog(dir);
    expect(catalog.entries.map((e) => [e.name, e.index])).toEqual([
      ["loss-a", 0],
      ["loss-b", 1],
    ]);
    expect(catalog.invalid).toHaveLength(2);
    expect(catalog.invalid[1]!.file).toMatch(/zz-same-name\.yaml$/);
    expect(catalog.invalid[1]!.problems[0]!.message).toMatch(/^scenario name 'loss-a' is already used by .*pair\.yaml; names must be unique in the catalog$/);
    expect(catalog.invalid[0]!.file).toMatch(/broken\.yml$/);
    expect(catalog.invalid[0]!.problems.map((p) => `${p.line}:${p.column}: ${p.path}: ${p.message}`)).toEqual([
      "43:13: steps[0].params.loss: loss=250 is out of bounds: expected 0.1..100 %",
    ]);
  });
});

describe("blast-radius policy", () => {
  it("reads scenarios/policy.yaml", async () => {
    const loaded = await loadPolicy();
    expect(loaded).toEqual({ ok: true, file: defaultPolicyFile, policy: { maxTargets: 2, maxPercent: 67, maxTrafficShare: 0.5 } });
  });

  it("fills defaults for keys left out, and refuses a bad policy with positions", () => {
    expect(parsePolicyText("maxTargets: 1\n", "p.yaml")).toEqual({ ok: true, file: "p.yaml", policy: { maxTargets: 1, maxPercent: 67, maxTrafficShare: 0.5 } });
    const bad = parsePolicyText("maxTargets: 1\nmaxPercent: 250\nmaxTarget: 3\n", "p.yaml");
    expect(bad.ok ? [] : bad.problems.map(formatProblem)).toEqual([
      "p.yaml:2:13: maxPercent: expected a number at most 100, got 250 (a number)",
      "p.yaml:3:1: maxTarget: unknown key 'maxTarget' (did you mean 'maxTargets'?); expected one of: maxTargets, maxPercent, maxTrafficShare",
    ]);
  });

  it("a missing policy file is a problem, never a silent default", async () => {
    const loaded = await loadPolicy(join(dir, "nope.yaml"));
    expect(loaded.ok).toBe(false);
    expect(loaded.ok ? "" : formatProblem(loaded.problems[0]!)).toMatch(/nope\.yaml:1:1: \(document\): cannot read the blast-radius policy: no such file/);
  });
});

describe("meshkit-chaos scenario lint|list|schema", () => {
  // Each case starts a Node process with tsx: seconds apiece on a loaded 2-core machine.
  vi.setConfig({ testTimeout: 240_000 });

  it("lint: exit 0 and no output lines on stdout for clean files; exit 1 with file:line:col: path: message per problem", async () => {
    const clean = await meshkitChaos(["scenario", "lint", "scenarios/leader-failover.yaml", "scenarios/chained-degradation.yaml"]);
    expect(clean.exitCode, clean.all).toBe(0);
    expect(clean.stdout).toBe("");
    expect(clean.stderr).toMatch(/2 file\(s\), 2 scenario\(s\): no problems/);

    const bad = join(dir, "bad.yaml");
    const text = (await readFile("scenarios/leader-failover.yaml", "utf8")).replace("duration: 20s", "duration: 20").replace("  owner: sre-platform\n", "  owner: sre-platform\n  team: x\n");
    await writeFile(bad, text);
    const failed = await meshkitChaos(["scenario", "lint", "scenarios/leader-failover.yaml", bad]);
    expect(failed.exitCode, failed.all).toBe(1);
    expect(failed.stdout.trim().split("\n")).toEqual([
      `${bad}:10:3: metadata.team: unknown key 'team'; expected one of: name, version, owner, description, tags`,
      `${bad}:41:15: steps[0].duration: expected a duration such as 500ms, 30s, 2m (a number with a unit), got 20 (a number)`,
    ]);
    const json = await meshkitChaos(["scenario", "lint", "--json", bad, join(dir, "missing.yaml")]);
    expect(json.exitCode).toBe(1);
    const problems = lastJsonLine<{ file: string; line: number; column: number; path: string; message: string }[]>(json.stdout);
    expect(problems.map((p) => [p.file, p.line, p.column, p.path])).toEqual([
      [bad, 10, 3, "metadata.team"],
      [bad, 41, 15, "steps[0].duration"],
      [join(dir, "missing.yaml"), 1, 1, ""],
    ]);
    expect((await meshkitChaos(["scenario", "lint"])).exitCode).toBe(2);
  });

  it("list --json gives the catalog; schema prints the committed schema", async () => {
    const list = await meshkitChaos(["scenario", "list", "--json"]);
    expect(list.exitCode, list.all).toBe(0);
    const catalog = lastJsonLine<{ entries: { name: string; definitionHash: string }[] }>(list.stdout);
    expect(catalog.entries.map((e) => e.name)).toEqual(samples);
    const schema = await meshkitChaos(["scenario", "schema"]);
    expect(schema.exitCode).toBe(0);
    // (execa drops the final newline of stdout)
    expect(`${schema.stdout}\n`).toBe(await readFile("scenarios/scenario.schema.json", "utf8"));
  });
});
