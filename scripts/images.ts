// Builds the environment's images from images/ with the local Docker engine, offline. An image is tagged
// with a hash of its inputs (Dockerfile, the sources it bundles, the lock file, the Node version); only
// when no image has that tag is its context staged (Dockerfile + the project's Node 22 binary + an
// esbuild bundle + the Go tools it carries) and built. Prints `{"node": "meshkit-chaos/node:<hash>", …}`.
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { imageNames, projectName } from "../components/config.ts";
import { labelKeys } from "../components/model/environment.ts";
import { bundle, type BundleName } from "./lib/bundle.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

interface ImageRecipe {
  readonly name: keyof typeof imageNames;
  /** Our TypeScript the image runs, bundled to app/meshkit-<name>.mjs beside bin/node. */
  readonly bundle?: BundleName;
  /** Static binaries built from tools/ (by scripts/build-<tool>), staged to bin/<binary>. */
  readonly tools?: readonly GoTool[];
}

interface GoTool {
  readonly binary: string;
  /** Builds the tool if needed and prints the binary's path (cached by the tool's inputs). */
  readonly build: string;
}

const netdelay: GoTool = { binary: "meshkit-netdelay", build: "scripts/build-netdelay" };

const recipes: readonly ImageRecipe[] = [
  { name: "node", bundle: "node" },
  { name: "agent", bundle: "agent", tools: [netdelay] },
  { name: "prometheus" },
];

const builtTools = new Map<GoTool, Promise<string>>();

/** The tool's binary, built once per process (a cache hit costs ~30 ms). */
function toolBinary(tool: GoTool): Promise<string> {
  let path = builtTools.get(tool);
  if (!path) {
    path = execa(join(root, tool.build), [], { cwd: root }).then((r) => r.stdout.trim());
    builtTools.set(tool, path);
  }
  return path;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** What an image is made of; hashing it is cheap, unlike staging a context with a 120 MB binary. */
async function inputFiles(recipe: ImageRecipe): Promise<string[]> {
  // The Dockerfile and whatever else its folder holds (scripts it COPYs).
  const recipeFiles = await filesUnder(join(root, "images", recipe.name));
  // The tool binaries themselves, so a changed tool (or Go version) changes the tag.
  const tools = await Promise.all((recipe.tools ?? []).map(toolBinary));
  if (!recipe.bundle) return [...recipeFiles, ...tools];
  const sources = [recipe.bundle, "contract"].map((dir) => filesUnder(join(root, dir)));
  const files = (await Promise.all(sources)).flat().filter((f) => f.endsWith(".ts"));
  return [...recipeFiles, join(root, "package.json"), join(root, "package-lock.json"), ...files, ...tools];
}

async function inputHash(recipe: ImageRecipe): Promise<string> {
  const hash = createHash("sha256").update(recipe.bundle ? process.version : "").update("\0");
  for (const file of await inputFiles(recipe)) {
    const name = file.startsWith(root) ? relative(root, file) : file.slice(file.lastIndexOf("/") + 1);
    hash.update(name).update("\0").update(await readFile(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 12);
}

async function stage(recipe: ImageRecipe): Promise<string> {
  const context = join(root, ".artifacts", "images", recipe.name);
  await rm(context, { recursive: true, force: true });
  await mkdir(context, { recursive: true });
  const recipeDir = join(root, "images", recipe.name);
  // copyFile keeps the mode, so an executable script stays executable in the image.
  for (const file of await filesUnder(recipeDir)) {
    await mkdir(dirname(join(context, relative(recipeDir, file))), { recursive: true });
    await copyFile(file, join(context, relative(recipeDir, file)));
  }
  if (recipe.bundle) {
    await mkdir(join(context, "bin"));
    // The Node that runs this script is the project's Node 22 (node_modules/.bin/node).
    await copyFile(process.execPath, join(context, "bin", "node"));
    await bundle(recipe.bundle, join(context, "app", `meshkit-${recipe.bundle}.mjs`));
  }
  for (const tool of recipe.tools ?? []) {
    await mkdir(join(context, "bin"), { recursive: true });
    await copyFile(await toolBinary(tool), join(context, "bin", tool.binary));
  }
  return context;
}

async function imageExists(tag: string): Promise<boolean> {
  const result = await execa("docker", ["image", "inspect", tag], { reject: false });
  return result.exitCode === 0;
}

export async function buildImages(log: (line: string) => void): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for (const recipe of recipes) {
    const started = Date.now();
    const repository = imageNames[recipe.name];
    const tag = `${repository}:${await inputHash(recipe)}`;
    if (await imageExists(tag)) {
      log(`${tag} is up to date`);
    } else {
      const context = await stage(recipe);
      log(`building ${tag} (context ${((await dirSize(context)) / 1e6).toFixed(0)} MB)`);
      await execa("docker", ["build", "-q", "--force-rm", "-t", tag, "-t", `${repository}:latest`, "--label", `${labelKeys.project}=${projectName}`, context], {
        env: { DOCKER_BUILDKIT: "0" },
      });
      log(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    tags[recipe.name] = tag;
  }
  return tags;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const file of await filesUnder(dir)) total += (await stat(file)).size;
  return total;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tags = await buildImages((line) => console.error(`images: ${line}`));
  console.log(JSON.stringify(tags));
}
