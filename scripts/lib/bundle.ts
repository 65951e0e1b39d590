// One esbuild recipe for every process we ship as a single file: the reference node and the fault
// agent run from these bundles with plain `node` (in images, and in loopback meshes), without a
// TypeScript loader, which keeps each process small.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export const entries = {
  node: "node/main.ts",
  agent: "agent/main.ts",
} as const;
export type BundleName = keyof typeof entries;

export const defaultOutfile = (name: BundleName): string => `${repoRoot}dist/${name}/meshkit-${name}.mjs`;

export async function bundle(name: BundleName, outfile = defaultOutfile(name)): Promise<string> {
  await build({
    entryPoints: [`${repoRoot}${entries[name]}`],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    legalComments: "none",
    logLevel: "warning",
    // Bundled CommonJS dependencies (prom-client) still call require(); give the ESM bundle one.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const name = process.argv[2];
  if (name !== "node" && name !== "agent") {
    console.error("usage: tsx scripts/lib/bundle.ts <node|agent> [outfile]");
    process.exit(2);
  }
  console.log(await bundle(name, process.argv[3]));
}
