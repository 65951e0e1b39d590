// The reports of the recorded runs against golden files (regenerate with UPDATE_GOLDEN=1 and review
// the diff), the JSON Schema kept in sync with the zod model, the JSON reports valid against it, and
// junit.xml valid against the Jenkins xUnit JUnit XSD with xmllint.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { judge } from "../../../runner/report/judge.ts";
import { reportJson, reportJsonSchema } from "../../../runner/report/json.ts";
import { junitXml } from "../../../runner/report/junit.ts";
import { summaryMarkdown } from "../../../runner/report/markdown.ts";
import { readRunDirectory } from "../../../runner/report/run-dir.ts";
import { copyRunDir, fixtureRunDir, junitXsd, runVariants } from "../../support/report-fixtures.ts";

const update = process.env.UPDATE_GOLDEN === "1";
const goldenDir = new URL("./golden", import.meta.url).pathname;
const schemaFile = new URL("../../../runner/report/report.schema.json", import.meta.url).pathname;

function golden(name: string, actual: string): void {
  const file = join(goldenDir, name);
  if (update) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing: run UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/report and review it`);
  expect(actual, `${name} differs from its golden file (UPDATE_GOLDEN=1 regenerates it; review the diff)`).toBe(readFileSync(file, "utf8"));
}

function xmllint(args: string[]): { status: number; output: string } {
  const r = spawnSync("xmllint", args, { encoding: "utf8" });
  if (r.error) throw new Error(`xmllint cannot run (${r.error.message}): install the Debian package libxml2-utils (scripts/bootstrap does)`);
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

describe("reports of a recorded run", () => {
  for (const variant of runVariants) {
    it(`${variant}: report.json, junit.xml and summary.md equal their golden files`, () => {
      const report = judge(readRunDirectory(fixtureRunDir(variant)));
      golden(`${variant}.report.json`, reportJson(report));
      golden(`${variant}.junit.xml`, junitXml(report));
      golden(`${variant}.summary.md`, summaryMarkdown(report));
    });
  }

  it("publishes report.schema.json generated from the zod model (UPDATE_GOLDEN=1 rewrites it)", () => {
    if (update) writeFileSync(schemaFile, reportJsonSchema());
    expect(readFileSync(schemaFile, "utf8"), "runner/report/report.schema.json is out of date: UPDATE_GOLDEN=1 regenerates it").toBe(reportJsonSchema());
  });

  it("report.json of every variant is valid against the published schema, and a broken one is not", () => {
    // date-time is checked by a plain RFC 3339 pattern (ajv-formats is not a dependency).
    const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
    const validate = new Ajv2020({ allErrors: true, formats: { "date-time": rfc3339 } }).compile(JSON.parse(readFileSync(schemaFile, "utf8")));
    for (const variant of runVariants) {
      const doc = JSON.parse(reportJson(judge(readRunDirectory(fixtureRunDir(variant)))));
      expect(validate(doc), `${variant}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const broken = JSON.parse(reportJson(judge(readRunDirectory(fixtureRunDir("passed")))));
    broken.verdict = "mostly-fine";
    expect(validate(broken)).toBe(false);
    const badTime = JSON.parse(reportJson(judge(readRunDirectory(fixtureRunDir("passed")))));
    badTime.run.startedAt = "yesterday";
    expect(validate(badTime)).toBe(false);
  });

  it("junit.xml is valid against the JUnit XSD (xmllint), with a failure per failed probe/SLO and the measured values", () => {
    for (const variant of runVariants) {
      const dir = copyRunDir(variant);
      const file = join(dir, "junit.xml");
      writeFileSync(file, junitXml(judge(readRunDirectory(dir))));
      const r = xmllint(["--noout", "--schema", junitXsd, file]);
      expect(r.output).toContain("validates");
      expect(r.status, r.output).toBe(0);
    }
    const failed = junitXml(judge(readRunDirectory(fixtureRunDir("failed"))));
    expect(failed).toMatch(/<testsuite name="latency-then-errors" [^>]*tests="7" failures="2"/);
    expect(failed).toContain('<failure message="SLO leader-elected-10s: measured 12.40 s, expected within 10.00 s" type="SloMissed">');
    const aborted = junitXml(judge(readRunDirectory(fixtureRunDir("aborted"))));
    expect(aborted).toContain('<failure message="aborted during MONITORING: abort threshold broken: error-rate = 0.09679, expected &lt; 0.05" type="Aborted">');
    expect(aborted).toContain("breach sample 2026-03-02T10:00:43.699Z -&gt; abort 541 ms -&gt; every fault reverted 871 ms");
  });

  it("the XSD check is real: a testcase without a name is rejected", () => {
    const dir = copyRunDir("passed");
    const file = join(dir, "bad.xml");
    writeFileSync(file, junitXml(judge(readRunDirectory(dir))).replace('<testcase classname="latency-then-errors.slo" name="slo members-alive-30s (step 0)"', '<testcase classname="x"'));
    const r = xmllint(["--noout", "--schema", junitXsd, file]);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/attribute 'name' is required/);
  });

  it("summary.md leads with the verdict line and states the abort and its latency", () => {
    const md = summaryMarkdown(judge(readRunDirectory(fixtureRunDir("aborted"))));
    expect(md.split("\n")[0]).toBe("## ⛔ latency-then-errors 1.2.0: **ABORTED**");
    expect(md).toContain("- breach sample 10:00:43.699 → abort decided: **541 ms**");
    expect(md).toContain("**871 ms** after the breach sample");
    expect(execFileSync("grep", ["-c", "^| error-rate | ❌ fail", "-"], { input: md, encoding: "utf8" }).trim()).toBe("1");
  });
});
