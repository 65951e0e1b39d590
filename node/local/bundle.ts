// Bundles node/main.ts into one ESM file with esbuild (the image and the loopback meshes run it with
// plain `node`, without a TypeScript loader, which keeps each process small).
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const defaultBundlePath = `${repoRoot}dist/node/meshkit-node.mjs`;

export async function buildNodeBundle(outfile = defaultBundlePath): Promise<string> {
  await build({
    entryPoints: [`${repoRoot}node/main.ts`],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    // prom-client is CommonJS and calls require() for built-ins.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? defaultBundlePath;
  await buildNodeBundle(out);
  process.stdout.write(`${out}\n`);
}
