// `npm run compose:export -- [--stack NAME] [--nodes N] [--out DIR]`: renders the environment model as
// docker-compose.chaos.yml plus the files it mounts (fresh throw-away certificates, Prometheus config,
// Grafana provisioning), for users who want Compose only. Prints the directory it wrote.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { composeFileName, renderCompose } from "../components/compose/render.ts";
import { parseSettings } from "../components/config.ts";
import { buildEnvironmentModel, nodeName, registryName } from "../components/model/build.ts";
import { environmentObservabilityFiles } from "../components/model/observability.ts";
import { createCa, createLeaf } from "../node/local/certs.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const usage = `usage: npm run compose:export -- [--stack NAME] [--nodes N] [--host-port-base P] [--grafana] [--out DIR]

  --stack NAME        names containers mkc-<NAME>-* (default: local)
  --nodes N           number of MeshKit nodes (default: 3)
  --host-port-base P  first port published on 127.0.0.1 (default: 30000; layout in docs/environment.md)
  --grafana     include Grafana (its official image must be pullable)
  --out DIR     output directory (default: .artifacts/compose/<stack>)`;

export interface ExportOptions {
  readonly stack: string;
  readonly nodes: number;
  readonly hostPortBase?: number;
  readonly grafana: boolean;
  readonly out: string;
}

export async function exportCompose(options: ExportOptions): Promise<string> {
  const settings = parseSettings(
    { nodes: options.nodes, hostPortBase: options.hostPortBase, grafana: { enabled: options.grafana } },
    "compose:export",
  );
  const holders = [registryName, ...Array.from({ length: settings.nodes }, (_, i) => nodeName(i))];
  const ca = await createCa(`meshkit-chaos ${options.stack} compose CA`);
  const leaves = new Map(
    await Promise.all(
      holders.map(async (h) => [h, await createLeaf(ca, h, { hosts: [h, "localhost", "127.0.0.1"] })] as const),
    ),
  );
  const agentToken = randomBytes(24).toString("hex");
  const observability = environmentObservabilityFiles(options.stack, settings);
  const model = buildEnvironmentModel<string>({
    stack: options.stack,
    settings,
    certificates: (holder) => ({ certPem: leaves.get(holder)!.certPem, keyPem: leaves.get(holder)!.keyPem, caPem: ca.certPem }),
    agentToken,
    prometheusFiles: observability.prometheus,
    grafanaFiles: observability.grafana,
  });
  const { compose, files } = renderCompose(model);
  await rm(options.out, { recursive: true, force: true });
  await mkdir(options.out, { recursive: true });
  await writeFile(join(options.out, composeFileName), compose);
  for (const file of files) {
    const path = join(options.out, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { mode: file.mode });
    await chmod(path, file.mode);
  }
  return options.out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { values } = parseArgs({
      options: {
        stack: { type: "string", default: "local" },
        nodes: { type: "string", default: "3" },
        "host-port-base": { type: "string" },
        grafana: { type: "boolean", default: false },
        out: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
    if (values.help) {
      console.log(usage);
    } else {
      const whole = (flag: string, v: string | undefined) => {
        if (v !== undefined && !/^\d+$/.test(v)) throw new Error(`--${flag} expects a whole number, got ${JSON.stringify(v)}`);
        return v === undefined ? undefined : Number(v);
      };
      const out = resolve(values.out ?? join(root, ".artifacts", "compose", values.stack));
      await exportCompose({
        stack: values.stack,
        nodes: whole("nodes", values.nodes)!,
        hostPortBase: whole("host-port-base", values["host-port-base"]),
        grafana: values.grafana,
        out,
      });
      console.log(join(out, composeFileName));
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}
