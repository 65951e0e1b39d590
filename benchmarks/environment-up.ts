// `npm run bench:env -- [--sizes 3,10,30]`: wall-clock time of `env:up` and `env:down` (Pulumi engine
// + Docker provider) against `docker-compose up -d` / `down` of the exported Compose file for the same
// N, from warm images. Prints a table with the ratios (target: Pulumi ≤ 1.5× Compose).
// Method: benchmarks/README.md.
import { execa } from "execa";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { composeFileName } from "../components/compose/render.ts";
import { exportCompose } from "../components/compose/export.ts";
import { buildImages } from "../scripts/images.ts";
import { EnvironmentStack } from "../lifecycle/environment.ts";

const { values } = parseArgs({ options: { sizes: { type: "string", default: "3,10,30" } } });
const sizes = values.sizes.split(",").map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes expects whole numbers, got ${values.sizes}`);

const seconds = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};

// Warm images first, so neither side pays for a build.
await buildImages(() => {});
const compose = await execa("docker-compose", ["version", "--short"], { reject: false });
if (compose.exitCode !== 0) throw new Error("docker-compose is not installed: apt-get install docker-compose");

/** Like `env:up`, done when every health check passes; a container may be unhealthy for a while on a
 *  loaded machine, as Pulumi's wait tolerates too (its waitTimeout is 120 s). */
async function healthy(stack: string, timeoutMs = 300_000): Promise<void> {
  const filter = ["--filter", `label=meshkit-chaos.stack=${stack}`];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await execa("docker", ["ps", "-q", ...filter, "--filter", "health=starting"]);
    const unhealthy = await execa("docker", ["ps", "-q", ...filter, "--filter", "health=unhealthy"]);
    if (!pending.stdout && !unhealthy.stdout) return;
    if (Date.now() > deadline) throw new Error(`compose stack ${stack} not healthy after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const rows: string[][] = [];
for (const n of sizes) {
  const stack = "bench";
  const environment = await EnvironmentStack.open(stack);
  const pulumiUp = await seconds(() => environment.up({ nodes: n }));
  const pulumiDown = await seconds(() => environment.destroy());
  const dir = await exportCompose({ stack: "benchc", nodes: n, grafana: false, out: join(process.cwd(), ".artifacts", "bench-compose") });
  const file = ["-p", "mkc-benchc", "-f", join(dir, composeFileName)];
  // env:up returns once health checks pass, so Compose is timed until its health checks pass too.
  const composeUp = await seconds(async () => {
    await execa("docker-compose", [...file, "up", "-d"]);
    await healthy("benchc");
  });
  const composeDown = await seconds(() => execa("docker-compose", [...file, "down", "-v"]));
  rows.push([
    String(n),
    pulumiUp.toFixed(1),
    composeUp.toFixed(1),
    (pulumiUp / composeUp).toFixed(2),
    pulumiDown.toFixed(1),
    composeDown.toFixed(1),
    (pulumiDown / composeDown).toFixed(2),
  ]);
}

const header = ["N", "pulumi up s", "compose up s", "ratio", "pulumi down s", "compose down s", "ratio"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
console.log(line(header));
for (const r of rows) console.log(line(r));
