// Finds the real engines the e2e layer needs, or fails loudly with how to get them: never a silent skip.
import { execa } from "execa";

export const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

export async function requireEngines(): Promise<void> {
  const missing: string[] = [];
  if ((await execa("docker", ["info"], { reject: false })).exitCode !== 0) {
    missing.push("no Docker engine answers `docker info`");
  }
  if ((await execa("pulumi", ["version"], { reject: false })).exitCode !== 0) {
    missing.push("no `pulumi` CLI on PATH");
  }
  if (!process.env.PULUMI_BACKEND_URL?.startsWith("file://")) {
    missing.push("PULUMI_BACKEND_URL is not a file:// backend");
  }
  if (missing.length > 0) {
    throw new Error(
      `the e2e layer needs the real engines: ${missing.join("; ")}.\n` +
        "Run `bash scripts/bootstrap` (it installs and starts them), then `npm run test:e2e`.",
    );
  }
}

/** Containers, networks and volumes carrying a label, as `docker … ls` lists them. */
export async function labelled(label: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const ls = async (kind: string) =>
    (await execa("docker", [kind, "ls", ...(kind === "container" ? ["-a"] : []), "-q", "--filter", `label=${label}`])).stdout
      .split("\n")
      .filter(Boolean);
  return { containers: await ls("container"), networks: await ls("network"), volumes: await ls("volume") };
}
