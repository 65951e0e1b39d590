import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  findPromtool,
  observabilityFiles,
  promtoolChecks,
  promtoolTestRules,
  writeObservabilityFiles,
} from "../../../components/observability/index.ts";
import { agentTokenFile, sampleInput } from "./fixtures.ts";
import { ruleTests } from "./rule-tests.ts";

// Runs the real promtool (Debian package `prometheus`). A missing promtool fails these tests with
// the install command: the checks are part of the definition of done, never skipped.

let root: string;
let promDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "meshkit-observability-"));
  promDir = join(root, "prometheus");
  // The config's rule_files point into the same directory, so `check config` loads the rules too.
  const files = observabilityFiles(sampleInput({ layout: { prometheusConfigDir: promDir } }));
  await writeObservabilityFiles(root, files);
  // promtool checks that the token file exists; the real one is written by the Observability component.
  await mkdir(dirname(join(promDir, agentTokenFile)), { recursive: true });
  await writeFile(join(promDir, agentTokenFile), "test-token\n");
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("promtool", () => {
  it("is installed (apt-get install -y prometheus)", async () => {
    await expect(findPromtool()).resolves.toBeTruthy();
  });

  it("accepts the generated config and every rule file", async () => {
    const [config, rules] = await promtoolChecks(promDir);
    const ruleFiles = (await readdir(join(promDir, "rules"))).length;
    expect(config?.output).toContain(`SUCCESS: ${ruleFiles} rule files found`);
    expect(config?.output).toMatch(/is valid prometheus config file syntax/);
    expect(rules?.output.match(/SUCCESS: \d+ rules found/g)).toHaveLength(ruleFiles);
  });

  it("fires the no-leader, multiple-leader and downgrade alerts on the right data only", async () => {
    const rules = (await readdir(join(promDir, "rules"))).map((f) => join(promDir, "rules", f));
    const testFile = join(root, "rule-tests.yml");
    await writeFile(testFile, stringify(ruleTests(rules)));
    const result = await promtoolTestRules(testFile);
    expect(result.output).toContain("SUCCESS");
  });
});
