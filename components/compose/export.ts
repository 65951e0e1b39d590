// Writes the Compose export: docker-compose.chaos.yml plus the files it mounts (fresh throw-away
// certificates, Prometheus config, Grafana provisioning), for users who want Compose only.
//
// The output directory is replaced on every export, so the export marks what it wrote: it only ever
// removes the files a previous export listed in its marker, and refuses a non-empty directory that
// holds no marker (a user's directory, or a typo in --out).
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { z } from "zod";
import { createCa, createLeaf } from "../../node/local/certs.ts";
import { parseStackName } from "../../lifecycle/stack-name.ts";
import { parseSettings } from "../config.ts";
import { buildEnvironmentModel, joinerHolder, nodeName, registryName } from "../model/build.ts";
import { environmentObservabilityFiles } from "../model/observability.ts";
import { composeFileName, renderCompose } from "./render.ts";

export const exportMarkerName = ".meshkit-chaos-export.json";

const exportMarker = z.object({
  tool: z.literal("meshkit-chaos compose-export"),
  stack: z.string(),
  /** Paths relative to the directory, every file this export wrote (the marker excepted). */
  files: z.array(z.string()),
});

export interface ExportOptions {
  readonly stack: string;
  readonly nodes: number;
  readonly hostPortBase?: number;
  readonly grafana: boolean;
  readonly out: string;
}

export class ExportDirectoryError extends Error {
  override name = "ExportDirectoryError";
}

/** Removes what the previous export in `dir` wrote; refuses a directory that holds anything else. */
async function clearPreviousExport(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") throw new ExportDirectoryError(`--out ${dir} is a file, not a directory`);
    throw error;
  }
  if (entries.length === 0) return;
  let marker: z.infer<typeof exportMarker>;
  try {
    marker = exportMarker.parse(JSON.parse(await readFile(join(dir, exportMarkerName), "utf8")));
  } catch {
    throw new ExportDirectoryError(
      `--out ${dir} is not empty and is no earlier compose export (it has no valid ${exportMarkerName}): ` +
        "nothing was written or removed. Name an empty or new directory, or a previous export's.",
    );
  }
  const root = resolve(dir);
  for (const file of marker.files) {
    const path = resolve(root, file);
    // A marker is a file on disk: never follow it out of the directory.
    if (relative(root, path).startsWith("..")) throw new ExportDirectoryError(`${join(dir, exportMarkerName)} lists ${file}, outside ${dir}`);
    await rm(path, { force: true });
  }
  // The folders the export made, deepest first; one that still holds a user's file stays.
  const folders = [...new Set(marker.files.flatMap((f) => ancestors(f)))].sort((a, b) => b.length - a.length);
  for (const folder of folders) await rmdir(join(root, folder)).catch(() => undefined);
  await rm(join(root, exportMarkerName), { force: true });
}

const ancestors = (file: string): string[] => {
  const out: string[] = [];
  for (let d = dirname(file); d !== "." && d !== "/"; d = dirname(d)) out.push(d);
  return out;
};

/** Exports the environment model for Compose into `out`; returns `out`. */
export async function exportCompose(options: ExportOptions): Promise<string> {
  const stack = parseStackName(options.stack);
  const settings = parseSettings(
    { nodes: options.nodes, hostPortBase: options.hostPortBase, grafana: { enabled: options.grafana } },
    "compose-export",
  );
  await clearPreviousExport(options.out);
  // The joiner's certificate too: the model describes the nodes a membership-surge fault adds.
  const holders = [registryName, ...Array.from({ length: settings.nodes }, (_, i) => nodeName(i)), joinerHolder];
  const ca = await createCa(`meshkit-chaos ${stack} compose CA`);
  const leaves = new Map(
    await Promise.all(holders.map(async (h) => [h, await createLeaf(ca, h, { hosts: [h, "localhost", "127.0.0.1"] })] as const)),
  );
  const agentToken = randomBytes(24).toString("hex");
  const observability = environmentObservabilityFiles(stack, settings);
  const model = buildEnvironmentModel<string>({
    stack,
    settings,
    certificates: (holder) => ({ certPem: leaves.get(holder)!.certPem, keyPem: leaves.get(holder)!.keyPem, caPem: ca.certPem }),
    agentToken,
    prometheusFiles: observability.prometheus,
    grafanaFiles: observability.grafana,
  });
  const { compose, files } = renderCompose(model);
  const written = [composeFileName, ...files.map((f) => f.path)];
  await mkdir(options.out, { recursive: true });
  // The marker first: an export that fails half-way can still be cleared by the next one.
  const marker: z.infer<typeof exportMarker> = { tool: "meshkit-chaos compose-export", stack, files: written };
  await writeFile(join(options.out, exportMarkerName), `${JSON.stringify(marker, null, 2)}\n`);
  await writeFile(join(options.out, composeFileName), compose);
  for (const file of files) {
    const path = join(options.out, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { mode: file.mode });
    await chmod(path, file.mode);
  }
  return options.out;
}
