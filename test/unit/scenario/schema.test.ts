// The committed JSON Schema (scenarios/scenario.schema.json) is what `scenario schema` generates from
// the zod model today, and editors validating with it agree with lint on the samples and on mistakes.
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { listCatalog } from "../../../runner/scenario/catalog.ts";
import { schemaFile, scenarioJsonSchemaText } from "../../../runner/scenario/schema.ts";

const committed = readFileSync(schemaFile, "utf8");

describe("scenario JSON Schema", () => {
  it("is in sync with the zod model (regenerate: npx meshkit-chaos scenario schema --out scenarios/scenario.schema.json)", () => {
    expect(committed).toBe(scenarioJsonSchemaText());
  });

  it("accepts every sample scenario, and each sample points editors at it", async () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(committed) as object);
    const catalog = await listCatalog();
    const files = [...new Set(catalog.entries.map((e) => e.file))];
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      // Samples in a subfolder (scenarios/kube/) point at the same schema one level up.
      const schemaPath = relative(dirname(file), "scenarios/scenario.schema.json");
      expect(text.split("\n")[0], file).toBe(`# yaml-language-server: $schema=${schemaPath.startsWith(".") ? "" : "./"}${schemaPath}`);
      expect(validate(parse(text)), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("rejects what lint rejects in shape: an unknown key, a wrong type, a bad duration, an unknown fault kind", () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(committed) as object);
    const sample = parse(readFileSync(join(schemaFile, "..", "leader-failover.yaml"), "utf8")) as Record<string, any>;
    const variants: [string, (s: Record<string, any>) => void][] = [
      ["unknown key", (s) => (s.metadata.team = "x")],
      ["wrong type", (s) => (s.steadyState.probes[0].threshold.value = "1")],
      ["bad duration", (s) => (s.steps[0].duration = "20 seconds")],
      ["unknown fault kind", (s) => (s.steps[0].fault = "leader-kil")],
    ];
    for (const [what, change] of variants) {
      const copy = structuredClone(sample);
      change(copy);
      expect(validate(copy), what).toBe(false);
    }
  });
});
