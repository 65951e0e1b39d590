// The recorded run directories of the report tests (test/fixtures/run/<variant>/) and helpers to
// render them into a scratch copy, so a test never writes into the fixtures.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const runVariants = ["passed", "failed", "aborted"] as const;
export type RunVariant = (typeof runVariants)[number];

export const fixtureRunDir = (variant: RunVariant): string => new URL(`../fixtures/run/${variant}`, import.meta.url).pathname;
export const junitXsd = new URL("../fixtures/junit/junit-10.xsd", import.meta.url).pathname;

/** A scratch copy of a fixture run directory. */
export function copyRunDir(variant: RunVariant): string {
  const dir = join(mkdtempSync(join(tmpdir(), `mkc-report-${variant}-`)), variant);
  cpSync(fixtureRunDir(variant), dir, { recursive: true });
  return dir;
}
