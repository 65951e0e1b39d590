import { mkdir, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import type { ObservabilityFile } from "./files.ts";

// promtool (Debian package `prometheus`, 2.42) validates what Prometheus will load: the config, every
// rule file, and rule unit tests that prove alerts fire on given series.

export const promtoolInstallHint = "install it with `apt-get install -y prometheus` (Debian/Ubuntu; promtool ships in that package)";

export class PromtoolMissingError extends Error {
  override name = "PromtoolMissingError";
}

export class PromtoolCheckError extends Error {
  override name = "PromtoolCheckError";
}

export interface PromtoolResult {
  command: string;
  output: string;
}

/** Path of promtool, or an error saying how to install it. `PROMTOOL` overrides the lookup. */
export async function findPromtool(): Promise<string> {
  const candidate = process.env.PROMTOOL ?? "promtool";
  const r = await execa(candidate, ["--version"], { reject: false });
  if (r.exitCode !== 0 || r.failed) {
    throw new PromtoolMissingError(`promtool not found (tried "${candidate}"): ${promtoolInstallHint}, or set PROMTOOL to its path`);
  }
  return candidate;
}

async function run(promtool: string, args: string[]): Promise<PromtoolResult> {
  const r = await execa(promtool, args, { reject: false, all: true });
  const command = `promtool ${args.join(" ")}`;
  if (r.exitCode !== 0) throw new PromtoolCheckError(`${command} failed (exit ${r.exitCode}):\n${r.all}`);
  return { command, output: r.all ?? "" };
}

/** Writes generated files under root, creating directories. */
export async function writeObservabilityFiles(root: string, files: readonly ObservabilityFile[]): Promise<void> {
  for (const f of files) {
    const path = join(root, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.content);
  }
}

/**
 * `promtool check config` on prometheus.yml and `promtool check rules` on every rule file of a
 * Prometheus config directory. The config's rule_files must point into the same directory (generate
 * with `layout.prometheusConfigDir` set to it) so that check config also loads the rules.
 */
export async function promtoolChecks(prometheusConfigDir: string): Promise<PromtoolResult[]> {
  const promtool = await findPromtool();
  const rulesDir = join(prometheusConfigDir, "rules");
  const rules = (await readdir(rulesDir)).filter((f) => f.endsWith(".yml")).map((f) => join(rulesDir, f));
  return [
    await run(promtool, ["check", "config", join(prometheusConfigDir, "prometheus.yml")]),
    await run(promtool, ["check", "rules", ...rules]),
  ];
}

/** `promtool test rules` on rule unit-test files. */
export async function promtoolTestRules(...testFiles: string[]): Promise<PromtoolResult> {
  return run(await findPromtool(), ["test", "rules", ...testFiles]);
}
